/**
 * Command-line flags from one zod object per command: parseArgs options, the parsed and validated
 * values (types from the schema), and help with each flag's description and default. The service's
 * configuration and every `amft` command use it.
 */
export * from './field.js';
export * from './parse.js';
export * from './help.js';
