/**
 * The `console` section of the firm YAML: what the intake console offers a person (the common
 * reasons for a decline) and which case facts the ledger keeps for it. The processor reads
 * `clientContact` (it records the facts); the API reads both.
 */
import { z } from 'zod';

/** Offered when the YAML lists no decline reasons of its own. */
export const DEFAULT_DECLINE_REASONS = [
  'Outside the states the firm is licensed in',
  'Practice area the firm does not handle',
  'Conflict of interest',
  'Statute of limitations has run',
  'Estimated value too low',
  'No capacity at the moment',
] as const;

export const consoleConfigSchema = z
  .strictObject({
    /**
     * The common reasons a person picks from when declining (free text can be added to any).
     * Default {@link DEFAULT_DECLINE_REASONS}.
     */
    declineReasons: z.array(z.string().trim().min(1).max(200)).min(1).max(50).default([...DEFAULT_DECLINE_REASONS]),
    /**
     * Keep the client's name, e-mail and phone with the case facts on the ledger record, and show
     * them in the console. Default false: the facts hold no contact details (personal data kept
     * only where the firm chose to keep it).
     */
    clientContact: z.boolean({ error: 'must be true or false' }).default(false),
  });

/** The section's values when the YAML has none. */
export const DEFAULT_CONSOLE_CONFIG: ConsoleConfig = { declineReasons: [...DEFAULT_DECLINE_REASONS], clientContact: false };

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;
