/** A bot's settings (greeting, persona, colour, position, language, time zone, origins); saves with PATCH. */
import { createEffect, createSignal, For } from 'solid-js';
import type { Bot } from '../../../core/wire/merchant.ts';
import { patch } from './api.ts';
import { t } from './i18n/index.ts';
import { ActionForm, Field, Select, useAction } from './ui.tsx';

const zones = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC', 'Europe/Berlin', 'America/New_York'];
  }
})();

export function BotForm(props: { bot: Bot; onSaved: (bot: Bot) => void; onTheme?: (theme: Bot['theme']) => void }) {
  const b = props.bot;
  const [name, setName] = createSignal(b.name);
  const [greeting, setGreeting] = createSignal(b.greeting ?? '');
  const [persona, setPersona] = createSignal(b.persona ?? '');
  const [accent, setAccent] = createSignal(b.theme.accentColor ?? '#1d4ed8');
  const [position, setPosition] = createSignal<string>(b.theme.position ?? 'right');
  const [locale, setLocale] = createSignal(b.locale.startsWith('de') ? 'de' : 'en');
  const [zone, setZone] = createSignal(b.timeZone);
  const own = location.origin;
  const [origins, setOrigins] = createSignal(b.allowedOrigins.filter((o) => o !== own).join('\n'));
  const [saved, setSaved] = createSignal(false);
  createEffect(() => props.onTheme?.({ ...b.theme, accentColor: accent(), position: position() as 'left' | 'right' }));
  const action = useAction();

  const save = async () => {
    setSaved(false);
    const list = origins()
      .split(/\s+/)
      .map((o) => o.trim())
      .filter(Boolean);
    const body = {
      name: name(),
      greeting: greeting().trim() || null,
      persona: persona().trim() || null,
      theme: { ...b.theme, accentColor: accent(), position: position() },
      locale: locale(),
      timeZone: zone(),
      // The dashboard's own origin stays allowed: the live preview runs the widget here.
      allowedOrigins: [...new Set([...list, own])],
    };
    let updated: Bot | undefined;
    if (await action.run(async () => (updated = await patch<Bot>(`/api/v1/bots/${b.id}`, body)))) {
      setSaved(true);
      props.onSaved(updated!);
    }
  };

  return (
    <ActionForm action={action} onSubmit={save} submit={t().save} kind="primary" saved={saved()}>
      <Field label={t().botName} value={name()} onInput={setName} required />
      <Field label={t().greeting} value={greeting()} onInput={setGreeting} multiline rows={2} />
      <Field label={t().persona} value={persona()} onInput={setPersona} multiline rows={3} />
      <div class="row">
        <Field label={t().accent} type="color" value={accent()} onInput={setAccent} />
        <Select label={t().position} value={position()} onChange={setPosition} options={[{ value: 'right', label: t().right }, { value: 'left', label: t().left }]} />
        <Select label={t().botLanguage} value={locale()} onChange={setLocale} options={[{ value: 'en', label: 'English' }, { value: 'de', label: 'Deutsch' }]} />
      </div>
      <div class="field">
        <label for="bot-zone">{t().timeZone}</label>
        <select id="bot-zone" value={zone()} onChange={(e) => setZone(e.currentTarget.value)}>
          <For each={zones.includes(zone()) ? zones : [zone(), ...zones]}>{(z) => <option value={z} selected={z === zone()}>{z}</option>}</For>
        </select>
      </div>
      <Field label={t().allowedOrigins} value={origins()} onInput={setOrigins} multiline rows={3} hint={t().originsHelp} />
    </ActionForm>
  );
}
