/** `amft info`'s flags: one zod object from which parsing, their types and --help are derived. */
import { Variant } from '@amft/shared';
import { z } from 'zod';
import type { CommandSpec } from './command.js';

export const InfoFlags = z.object({
  variant: Variant.default('lite').meta({ description: 'The model variant.' }),
  lstm: z.boolean().default(false).meta({ description: 'With the LSTM sequence head.' }),
  json: z.boolean().default(false).meta({ description: 'The summary as JSON instead of a table.' }),
});

export const INFO: CommandSpec<typeof InfoFlags> = {
  name: 'info',
  summary: 'parameter counts and FLOPs of a variant',
  flags: InfoFlags,
};
