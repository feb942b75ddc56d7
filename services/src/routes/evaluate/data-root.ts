/**
 * Paths under the server's data root. A path from a client must be relative, must not contain a
 * `..` segment, and must still be under the root once every symlink is resolved; anything else
 * is FER_ERR_PATH_ESCAPE (400 for the path as written, 403 when a symlink leads outside).
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { FileNotFoundError, PathEscapeError, SymlinkEscapeError } from '../../errors.js';

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
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      throw new FileNotFoundError(JSON.stringify(p));
    }
    if (!within(root, real)) throw new SymlinkEscapeError(JSON.stringify(p));
    const st = await stat(real);
    if (!st.isFile()) throw new FileNotFoundError(JSON.stringify(p));
    return real;
  }
}

function within(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
