/** src/flags: flags, parsing and help read from one zod object. */
import t from 'tap';
import { z } from 'zod';
import { flagHelp, flagInfo, flagOptions, flagSynopsis, parseFlags } from '../src/flags/index.js';

const Flags = z.object({
  data: z.string().min(1).meta({ arg: 'path', description: 'The data.' }),
  batchSize: z.number().int().positive().default(64).meta({ arg: 'n', description: 'Images per step.' }),
  ratio: z.coerce.number().min(0).max(1).optional().meta({ description: 'A ratio.', defaultText: 'the best one' }),
  mode: z.enum(['fast', 'slow']).default('fast').meta({ description: 'How.' }),
  noAugment: z.boolean().default(false).meta({ description: 'No augmentation.' }),
  report: z.array(z.string()).default([]).meta({ arg: 'file', description: 'A report.' }),
  parallel: z
    .string()
    .regex(/^(auto|\d+)$/)
    .default('auto')
    .transform((v) => (v === 'auto' ? v : Number(v)))
    .meta({ description: 'Workers.' }),
});

t.test('a field read: kind, value name, choices, default, required', async (t) => {
  t.match(flagInfo('data', Flags.shape.data), { flag: 'data', kind: 'string', arg: 'path', required: true, default: undefined, description: 'The data.' });
  t.match(flagInfo('batchSize', Flags.shape.batchSize), { flag: 'batch-size', kind: 'number', arg: 'n', required: false, default: 64 });
  t.match(flagInfo('ratio', Flags.shape.ratio), { kind: 'number', arg: 'value', required: false, default: undefined, defaultText: 'the best one' });
  t.match(flagInfo('mode', Flags.shape.mode), { kind: 'string', choices: ['fast', 'slow'], default: 'fast' });
  t.match(flagInfo('noAugment', Flags.shape.noAugment), { flag: 'no-augment', kind: 'boolean', arg: undefined, default: false });
  t.match(flagInfo('report', Flags.shape.report), { kind: 'list', default: [] });
  t.match(flagInfo('parallel', Flags.shape.parallel), { kind: 'string', default: 'auto', description: 'Workers.' }, 'through a transform to its input');
  // metadata given again on a copy merges: the copy's keys win
  t.match(flagInfo('x', Flags.shape.ratio.meta({ description: 'Another ratio.' })), { description: 'Another ratio.', defaultText: 'the best one' });
  t.same(flagOptions(Flags.shape), {
    data: { type: 'string' },
    'batch-size': { type: 'string' },
    ratio: { type: 'string' },
    mode: { type: 'string' },
    'no-augment': { type: 'boolean' },
    report: { type: 'string', multiple: true },
    parallel: { type: 'string' },
  });
});

t.test('parsing: numbers, switches, repeats, defaults, what was given', async (t) => {
  const p = parseFlags(['--data', 'd', '--batch-size', '8', '--no-augment', '--report', 'a', '--report', 'b', '--parallel', '3'], Flags);
  t.same(p.values, { data: 'd', batchSize: 8, mode: 'fast', noAugment: true, report: ['a', 'b'], parallel: 3 });
  t.same([...p.given].sort(), ['batchSize', 'data', 'noAugment', 'parallel', 'report']);
  t.equal(p.help, false);
  t.equal(parseFlags(['--data', 'd', '-h'], Flags).help, true);
  t.same(parseFlags(['--data', 'd'], Flags).values.batchSize, 64);
  t.same(parseFlags(['a.jpg', '--data', 'd', 'b.jpg'], Flags, { positionals: true }).positionals, ['a.jpg', 'b.jpg']);
});

t.test('errors name the flag', async (t) => {
  t.throws(() => parseFlags(['--data', 'd', '--bogus'], Flags), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION', message: /--bogus/ });
  t.throws(() => parseFlags(['a.jpg', '--data', 'd'], Flags), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
  const paths = (argv: string[]) => {
    try {
      parseFlags(argv, Flags);
      return [];
    } catch (err) {
      if (!(err instanceof z.ZodError)) throw err;
      return err.issues.map((i) => i.path.join('.'));
    }
  };
  t.same(paths(['--data', 'd', '--batch-size', 'many', '--mode', 'medium', '--ratio', '2']), ['batch-size', 'ratio', 'mode']);
  t.same(paths(['--batch-size', '0']), ['data', 'batch-size']);
  t.same(paths(['--data', 'd', '--parallel', 'some']), ['parallel']);
});

t.test('help: every flag with its description, choices and default; a synopsis', async (t) => {
  const help = flagHelp(Flags.shape, { headings: { mode: 'behaviour' } }).join('\n');
  t.equal(
    help,
    [
      '  --data <path>',
      '      The data. Required.',
      '  --batch-size <n>',
      '      Images per step. Default: 64.',
      '  --ratio <value>',
      '      A ratio. Default: the best one.',
      '',
      'behaviour:',
      '  --mode <value>',
      '      How. One of: fast, slow. Default: fast.',
      '  --no-augment',
      '      No augmentation. Default: false.',
      '  --report <file>',
      '      A report. Repeatable.',
      '  --parallel <value>',
      '      Workers. Default: auto.',
    ].join('\n'),
  );
  t.match(flagHelp(Flags.shape, { aside: (k) => `ENV_${k}` })[0], /^ {2}--data <path> +ENV_data$/);
  t.same(flagSynopsis(Flags.shape), ['--data <path>', '[--batch-size 64]', '[--ratio <value>]', '[--mode fast]', '[--no-augment]', '[--report <file>]...', '[--parallel auto]']);
});
