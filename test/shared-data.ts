/**
 * Where tests find the datasets given beside the checkout (`../shared/data` from the repo root;
 * `AMFT_SHARED_DATA` overrides). Tests that need them skip with SHARED_DATA_ABSENT when absent.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const SHARED_DATA = process.env.AMFT_SHARED_DATA ?? fileURLToPath(new URL('../../shared/data', import.meta.url));
export const FER2013 = join(SHARED_DATA, 'fer2013');
export const ASTRONAUT = join(SHARED_DATA, 'faces', 'astronaut.png');
export const HAVE_SHARED_DATA = existsSync(join(FER2013, 'val')) && existsSync(ASTRONAUT);
export const SHARED_DATA_ABSENT = `${SHARED_DATA} is absent: tests on the real datasets are skipped`;
