/**
 * Knowledge for sites without a platform: products and FAQ (list with search and cursor paging,
 * add, edit, delete; platform-synced products are shown read-only) and CSV import with a preview,
 * row errors by line and column, and progress of the import job; a test box shows which products
 * and FAQ the assistant's search finds for a question.
 */
import { createSignal, For, onCleanup, Show } from 'solid-js';
import type { FaqEntry, ImportJob, ImportPreview, KnowledgeTestResult, Product } from '../../../../core/wire/merchant.ts';
import { get, patch, post } from '../api.ts';
import { t } from '../i18n/index.ts';
import { Paged, usePaged } from '../paged.tsx';
import { ActionForm, ErrorNote, Field, RemoveButton, Section, useAction } from '../ui.tsx';

function Importer(props: { kind: 'products' | 'faq'; onDone: () => void }) {
  const base = props.kind === 'products' ? '/api/v1/products/imports' : '/api/v1/faq/imports';
  const [csv, setCsv] = createSignal('');
  const [preview, setPreview] = createSignal<ImportPreview | null>(null);
  const [job, setJob] = createSignal<ImportJob | null>(null);
  const action = useAction();
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const id = `csv-${props.kind}`;
  const poll = async (jobId: string) => {
    try {
      const current = await get<ImportJob>(`${base}/${jobId}`);
      setJob(current);
      if (current.status === 'queued' || current.status === 'running') timer = setTimeout(() => void poll(jobId), 700);
      else props.onDone();
    } catch (e) {
      action.setError(e);
    }
  };
  return (
    <div class="card">
      <h3>{t().csvImport}</h3>
      <div class="field">
        <label for={id}>{t().csvFile}</label>
        <input
          id={id}
          type="file"
          accept=".csv,text/csv"
          onChange={async (e) => {
            setPreview(null);
            setJob(null);
            const file = e.currentTarget.files?.[0];
            setCsv(file ? await file.text() : '');
          }}
        />
      </div>
      <div class="actions">
        <button type="button" disabled={!csv() || action.busy()} onClick={() => void action.run(async () => setPreview(await post<ImportPreview>(`${base}?dryRun=true`, { csv: csv() })))}>
          {t().previewImport}
        </button>
        <button
          type="button"
          class="primary"
          disabled={!preview() || !preview()!.valid || action.busy()}
          onClick={() =>
            void action.run(async () => {
              const queued = await post<ImportJob>(base, { csv: csv() });
              setJob(queued);
              setPreview(null);
              await poll(queued.id);
            })
          }
        >
          {t().runImport}
        </button>
      </div>
      <ErrorNote error={action.error()} />
      <Show when={preview()}>
        {(p) => (
          <div role="status">
            <p>{t().importPreview(p())}</p>
            <ul>
              <For each={p().errors}>{(err) => <li class="row-error">{t().rowError(err.line, err.column, err.message)}</li>}</For>
            </ul>
          </div>
        )}
      </Show>
      <Show when={job()}>
        {(j) => (
          <div>
            <label for={`${id}-progress`}>{t().importProgress}</label>{' '}
            <progress id={`${id}-progress`} max={Math.max(1, j().total)} value={j().processed} />
            <p role="status">{j().status === 'done' ? t().importDone(j().created, j().updated) : `${j().processed} / ${j().total}`}</p>
            <ul>
              <For each={j().errors}>{(err) => <li class="row-error">{t().rowError(err.line, err.column, err.message)}</li>}</For>
            </ul>
          </div>
        )}
      </Show>
    </div>
  );
}

function Search(props: { id: string; list: { setQ(v: string): void; reload(): unknown } }) {
  const [typed, setTyped] = createSignal('');
  return (
    <form
      class="search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        props.list.setQ(typed().trim());
        void props.list.reload();
      }}
    >
      <label for={props.id}>{t().searchKnowledge}</label>
      <input id={props.id} type="search" value={typed()} onInput={(e) => setTyped(e.currentTarget.value)} />
      <button type="submit">{t().searchButton}</button>
    </form>
  );
}

function Products() {
  const list = usePaged<Product>('/api/v1/products');
  const [editing, setEditing] = createSignal<Product | null>(null);
  const [handle, setHandle] = createSignal('');
  const [title, setTitle] = createSignal('');
  const [amount, setAmount] = createSignal('');
  const [currency, setCurrency] = createSignal('EUR');
  const [url, setUrl] = createSignal('');
  const [description, setDescription] = createSignal('');
  const action = useAction();
  const edit = (p: Product | null) => {
    setEditing(p);
    setHandle(p?.handle ?? '');
    setTitle(p?.title ?? '');
    setAmount(p?.price.amount ?? '');
    setCurrency(p?.price.currency ?? 'EUR');
    setUrl(p?.url ?? '');
    setDescription(p?.description ?? '');
  };
  const save = async () => {
    const body = { handle: handle(), title: title(), price: { amount: amount(), currency: currency() }, url: url().trim() || null, description: description() };
    const current = editing();
    if (await action.run(() => (current ? patch(`/api/v1/products/${current.id}`, body) : post('/api/v1/products', body)))) {
      edit(null);
      void list.reload();
    }
  };
  return (
    <Section title={t().products}>
      <Search id="product-search" list={list} />
      <Paged list={list}>
        {(items) => (
          <ul>
            <For each={items}>
              {(p) => (
                <li>
                  <strong>{p.title}</strong> · {p.price.amount} {p.price.currency} · <code>{p.handle}</code>{' '}
                  <Show when={p.readOnly} fallback={
                    <>
                      <button type="button" onClick={() => edit(p)}>
                        {t().edit} {p.title}
                      </button>{' '}
                      <RemoveButton action={action} path={`/api/v1/products/${p.id}`} label={`${t().delete} ${p.title}`} done={list.reload} />
                    </>
                  }>
                    <em>({t().readOnly}: {p.source})</em>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        )}
      </Paged>
      <ActionForm action={action} onSubmit={save} submit={editing() ? t().save : t().addProduct} kind="primary">
        <h3>{editing() ? `${t().edit}: ${editing()!.title}` : t().addProduct}</h3>
        <div class="row">
          <Field label={t().handle} value={handle()} onInput={setHandle} required />
          <Field label={t().productTitle} value={title()} onInput={setTitle} required />
          <Field label={t().price} value={amount()} onInput={setAmount} required />
          <Field label={t().currency} value={currency()} onInput={setCurrency} required />
        </div>
        <Field label={t().productUrl} type="url" value={url()} onInput={setUrl} />
        <Field label={t().description} value={description()} onInput={setDescription} multiline />
      </ActionForm>
      <Show when={editing()}>
        <button type="button" onClick={() => edit(null)}>
          {t().cancel}
        </button>
      </Show>
      <Importer kind="products" onDone={() => void list.reload()} />
    </Section>
  );
}

function Faq() {
  const list = usePaged<FaqEntry>('/api/v1/faq');
  const [question, setQuestion] = createSignal('');
  const [answer, setAnswer] = createSignal('');
  const action = useAction();
  return (
    <Section title={t().faq}>
      <Paged list={list}>
        {(items) => (
          <ul>
            <For each={items}>
              {(f) => (
                <li>
                  <strong>{f.question}</strong> ({f.locale}) — {f.answer}{' '}
                  <RemoveButton action={action} path={`/api/v1/faq/${f.id}`} label={`${t().delete}: ${f.question.slice(0, 40)}`} done={list.reload} />
                </li>
              )}
            </For>
          </ul>
        )}
      </Paged>
      <ActionForm
        action={action}
        submit={t().addFaq}
        kind="primary"
        onSubmit={() =>
          action.run(() => post('/api/v1/faq', { question: question(), answer: answer(), locale: document.documentElement.lang })).then((ok) => {
            if (ok) {
              setQuestion('');
              setAnswer('');
              void list.reload();
            }
          })
        }
      >
        <Field label={t().question} value={question()} onInput={setQuestion} required />
        <Field label={t().answer} value={answer()} onInput={setAnswer} multiline required />
      </ActionForm>
      <Importer kind="faq" onDone={() => void list.reload()} />
    </Section>
  );
}

/** The test box: a question, and the products and FAQ the assistant's search finds for it. */
function TestBox() {
  const [question, setQuestion] = createSignal('');
  const [result, setResult] = createSignal<KnowledgeTestResult | null>(null);
  const action = useAction();
  return (
    <Section title={t().testBox}>
      <p class="hint">{t().testBoxHelp}</p>
      <ActionForm action={action} submit={t().testAsk} kind="primary" onSubmit={() => action.run(async () => setResult(await post<KnowledgeTestResult>('/api/v1/knowledge/test', { question: question() })))}>
        <Field label={t().testQuestion} value={question()} onInput={setQuestion} required />
      </ActionForm>
      <Show when={result()}>
        {(r) => (
          <div class="test-result" role="status">
            <h3>{t().testProducts}</h3>
            <ul>
              <For each={r().products} fallback={<li class="empty">{t().testNoMatch}</li>}>
                {(p) => (
                  <li>
                    <strong>{p.title}</strong> · {p.price.amount} {p.price.currency}
                  </li>
                )}
              </For>
            </ul>
            <h3>{t().testFaq}</h3>
            <ul>
              <For each={r().faq} fallback={<li class="empty">{t().testNoMatch}</li>}>
                {(f) => (
                  <li>
                    <strong>{f.question}</strong> — {f.answer}
                  </li>
                )}
              </For>
            </ul>
          </div>
        )}
      </Show>
    </Section>
  );
}

export default function Knowledge() {
  return (
    <div class="page">
      <h1>{t().knowledge}</h1>
      <TestBox />
      <Products />
      <Faq />
    </div>
  );
}
