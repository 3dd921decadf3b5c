// Stream event names the widget listens to; `satisfies` keeps the list equal to the wire module's.
import type { WidgetEventName } from '../../../core/wire/widget.ts';

export const WIDGET_EVENT_NAMES = [
  'message.created',
  'message.delta',
  'message.completed',
  'typing',
  'handoff',
  'error',
] as const satisfies readonly WidgetEventName[];

// Fails to compile when the wire module gains an event this list lacks.
type Missing = Exclude<WidgetEventName, (typeof WIDGET_EVENT_NAMES)[number]>;
export const _allEventsListed: Missing extends never ? true : false = true;
