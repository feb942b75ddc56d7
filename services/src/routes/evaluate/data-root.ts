/**
 * Paths under the server's data root. A path from a client must be relative, must not contain a
 * `..` segment, and must still be under the root once every symlink is resolved; anything else
 * is FER_ERR_PATH_ESCAPE (400, as written or through a symlink). A missing file is judged by
 * where its nearest existing ancestor resolves to: a path through a symlinked directory that
 * leads outside gets FER_ERR_PATH_ESCAPE whether or not the file is there, so the answer says
 * nothing about what exists outside the root.
 */
import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { FileNotFoundError, PathEscapeError } from '../../errors.js';

export class DataRoot {
  private rootReal: Promise<string> | undefined;

  constructor(readonly root: string) {}

  private real(): Promise<string> {
    this.rootReal ??= realpath(resolve(this.root));
    return this.rootReal;
  }

  /** Checks the path as written, without touching the file system. */
  static checkLexical(p: string): void {
    const shown = JSON.stringify(p.length > 200 ? `${p.slice(0, 200)}…` : p);
    if (p.trim() === '') throw new PathEscapeError(shown, 'the path is empty');
    if (p.includes('\0')) throw new PathEscapeError(shown, 'the path contains a NUL byte');
    if (isAbsolute(p) || /^[a-zA-Z]:/.test(p) || p.startsWith('\\') || p.startsWith('/') || p.startsWith('~')) {
      throw new PathEscapeError(shown, 'absolute paths are not allowed; give a path relative to the data root');
    }
    if (p.split(/[\\/]+/).some((seg) => seg === '..')) throw new PathEscapeError(shown, "'..' segments are not allowed");
  }

  /**
   * Resolves `p` under the root and returns the real path of an existing file.
   * Throws FER_ERR_PATH_ESCAPE, or FER_ERR_FILE_NOT_FOUND when nothing is there.
   */
  async resolveFile(p: string): Promise<string> {
    DataRoot.checkLexical(p);
    const root = await this.real();
    const candidate = resolve(root, p);
    if (!within(root, candidate)) throw new PathEscapeError(JSON.stringify(p), 'it is outside the data root');
    const real = await realpath(candidate).catch(() => undefined);
    if (real === undefined) {
      if (!within(root, await nearestReal(candidate))) throw new PathEscapeError(JSON.stringify(p), 'it resolves outside the data root');
      throw new FileNotFoundError(JSON.stringify(p));
    }
    if (!within(root, real)) throw new PathEscapeError(JSON.stringify(p), 'it resolves outside the data root');
    const st = await stat(real);
    if (!st.isFile()) throw new FileNotFoundError(JSON.stringify(p));
    return real;
  }
}

/** The real path of the nearest ancestor of `p` that exists. */
async function nearestReal(p: string): Promise<string> {
  for (let dir = dirname(p); ; dir = dirname(dir)) {
    const real = await realpath(dir).catch(() => undefined);
    if (real !== undefined || dirname(dir) === dir) return real ?? dir;
  }
}

function within(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
