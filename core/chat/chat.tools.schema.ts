/**
 * The chat engine's own tool as the model sees it (handoff_to_human). Other modules own theirs
 * (catalog, orders, booking: `<module>.tools.schema.ts`). Pure module, so model adapters may import it.
 */
import { z } from 'zod';
import { defineToolContract } from '../kernel/tool-contract.ts';

export const handoffTool = defineToolContract({
  name: 'handoff_to_human',
  description: 'Ask a human team member to take over the conversation, when the shopper wants a person or you cannot help.',
  args: z.object({ reason: z.string().max(500).optional().describe('One line for the human agent: what the shopper needs.') }),
  result: z.discriminatedUnion('status', [
    z.object({ status: z.literal('requested') }),
    /** Nobody can take over now (out of hours / no agents): the widget offers the email form. */
    z.object({ status: z.literal('unavailable') }),
  ]),
});
export type HandoffResult = z.infer<typeof handoffTool.result>;
