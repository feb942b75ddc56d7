/**
 * libjpeg-turbo's TurboJPEG decompressor compiled to WebAssembly (the `jpeg-turbo.wasm` of the
 * npm package @cwasm/jpeg-turbo, read from disk and compiled once; nothing is fetched). It runs
 * synchronously on the calling thread. Its decoder is the one sharp's libvips uses (mozjpeg is
 * libjpeg-turbo's decoder): accurate integer IDCT (ISLOW) and fancy upsampling, as TurboJPEG
 * does with no flags. The package's own JavaScript is not used: it allocates and copies for
 * every image, and cannot decode to gray.
 *
 * Failures: TurboJPEG answers -1 for an error and also for any libjpeg warning (a truncated or
 * corrupt stream), and then the handle is made anew. A libjpeg error that longjmps (the build
 * has no setjmp) throws out of the module and may leave it inconsistent, so the instance is
 * dropped and the next call starts a fresh one.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** TurboJPEG pixel formats. */
export const TJPF_RGB = 0;
export const TJPF_GRAY = 6;

interface TurboExports {
  memory: { buffer: ArrayBuffer };
  malloc(n: number): number;
  free(p: number): void;
  tjInitDecompress(): number;
  tjDestroy(h: number): number;
  tjDecompress2(h: number, src: number, size: number, dst: number, w: number, pitch: number, ht: number, pixelFormat: number, flags: number): number;
}

/** The few WebAssembly calls used here (the project's TypeScript libs do not declare WebAssembly). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

class WasmAbort extends Error {}

const trap = (what: string) => () => {
  throw new WasmAbort(`jpeg-turbo.wasm called ${what}`);
};
/** The module's imports; libc asks for the environment's size at start, and is told it is empty. */
function imports(memory: () => ArrayBuffer) {
  return {
    env: { setjmp: () => 0, longjmp: trap('longjmp') },
    wasi_snapshot_preview1: {
      environ_sizes_get: (count: number, size: number) => {
        new DataView(memory()).setUint32(count, 0, true);
        new DataView(memory()).setUint32(size, 0, true);
        return 0;
      },
      ...Object.fromEntries(['proc_exit', 'environ_get', 'fd_close', 'fd_seek', 'fd_write'].map((n) => [n, trap(n)])),
    },
  };
}

let compiled: object | undefined;
let instance: Decompressor | undefined;

/** One instance of the module, its TurboJPEG handle and buffers kept between calls. */
class Decompressor {
  private readonly x: TurboExports;
  private handle: number;
  private input = { ptr: 0, size: 0 };
  private output = { ptr: 0, size: 0 };

  constructor() {
    compiled ??= new wasm.Module(readFileSync(createRequire(import.meta.url).resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm')));
    this.x = new wasm.Instance(compiled, imports(() => this.x.memory.buffer)).exports as TurboExports;
    this.handle = this.x.tjInitDecompress();
    if (!this.handle) throw new Error('jpeg-turbo.wasm: out of memory');
  }

  private reserve(buf: { ptr: number; size: number }, size: number): number {
    if (buf.size < size) {
      if (buf.ptr) this.x.free(buf.ptr);
      buf.ptr = this.x.malloc(size);
      buf.size = buf.ptr ? size : 0;
      if (!buf.ptr) throw new Error('jpeg-turbo.wasm: out of memory');
    }
    return buf.ptr;
  }

  /** Pixels of `width` x `height` in `pixelFormat` (3 or 1 bytes each), or undefined when TurboJPEG refused the stream. */
  decode(jpeg: Uint8Array, width: number, height: number, pixelFormat: typeof TJPF_RGB | typeof TJPF_GRAY): Uint8Array | undefined {
    const { x } = this;
    const src = this.reserve(this.input, jpeg.length);
    const bpp = pixelFormat === TJPF_GRAY ? 1 : 3;
    const dst = this.reserve(this.output, width * height * bpp);
    new Uint8Array(x.memory.buffer, src, jpeg.length).set(jpeg);
    // tjDecompress2 reads the header itself; given the frame's own size (the caller read it from
    // the one frame header) it decodes at 1/1, with no libjpeg scaling.
    if (x.tjDecompress2(this.handle, src, jpeg.length, dst, width, width * bpp, height, pixelFormat, 0) !== 0) return this.refused();
    return new Uint8Array(x.memory.buffer, dst, width * height * bpp).slice();
  }

  /** A fresh handle after a refusal, so nothing of a bad stream (a warning flag, a half-read header) carries over. */
  private refused(): undefined {
    this.x.tjDestroy(this.handle);
    this.handle = this.x.tjInitDecompress();
    if (!this.handle) instance = undefined;
    return undefined;
  }
}

/**
 * Decodes a JPEG whose frame header says `width` x `height` to RGB (`TJPF_RGB`, 3 bytes a pixel)
 * or gray (`TJPF_GRAY`, the luma plane); undefined when libjpeg-turbo reports an error or a
 * warning.
 */
export function turboDecode(jpeg: Uint8Array, width: number, height: number, pixelFormat: typeof TJPF_RGB | typeof TJPF_GRAY): Uint8Array | undefined {
  try {
    instance ??= new Decompressor();
    return instance.decode(jpeg, width, height, pixelFormat);
  } catch {
    // A longjmp, a trap or no memory: the module's stack and heap are as they were mid-call.
    instance = undefined;
    return undefined;
  }
}
