/**
 * Admission to the per-image stages (decode, detect, crop), whole requests at a time. A request
 * is admitted when all of its images fit in the room for images being processed and their
 * decoded pixels fit in the pixel budget, over all requests. Until then it waits, in arrival
 * order, in a waiting room of `maxWaitingImages`; when that is full too it is refused at once (503
 * FER_ERR_QUEUE_FULL) with nothing of it started. So under overload the admitted requests
 * finish, no work is spent on images whose request then fails, and clients that would only
 * come back at once wait their turn instead. A wait ends early when the request is cancelled
 * (client gone, deadline).
 */
import { QueueFullError } from '../errors.js';

export interface AdmissionOptions {
  /** Images being processed at once, over all requests. */
  maxImages: number;
  /** Images of the requests waiting their turn, over all requests. */
  maxWaitingImages: number;
  /** Decoded pixels of the images being processed, over all requests. */
  maxPixels: number;
}

export interface Ticket {
  /** Gives the images and pixels back; a second call does nothing. */
  release(): void;
}

interface Waiter {
  images: number;
  pixels: number;
  admit: () => void;
}

export class Admission {
  private images = 0;
  private pixels = 0;
  private waitingImages = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly opts: AdmissionOptions) {}

  /** Images being processed, and waiting, now; pixels held. */
  get load(): { images: number; pixels: number; waiting: number } {
    return { images: this.images, pixels: this.pixels, waiting: this.waitingImages };
  }

  /**
   * Admits `images` whose decoding takes `pixels`, now or after a wait in arrival order; refuses
   * at once (QueueFullError) when they cannot wait. A request larger than the whole pixel budget
   * runs alone.
   */
  reserve(images: number, pixels: number, signal?: AbortSignal): Promise<Ticket> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiting.length === 0 && this.fits(images, pixels)) return Promise.resolve(this.admit(images, pixels));
    if (images > this.opts.maxImages || this.waitingImages + images > this.opts.maxWaitingImages) {
      return Promise.reject(new QueueFullError('preprocessing', this.images + this.waitingImages));
    }
    this.waitingImages += images;
    return new Promise<Ticket>((resolve, reject) => {
      const waiter: Waiter = {
        images,
        pixels,
        admit: () => {
          signal?.removeEventListener('abort', onAbort);
          this.waitingImages -= images;
          resolve(this.admit(images, pixels));
        },
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        this.waitingImages -= images;
        reject(signal?.reason);
        this.admitWaiting();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private admit(images: number, pixels: number): Ticket {
    this.images += images;
    this.pixels += pixels;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.images -= images;
        this.pixels -= pixels;
        this.admitWaiting();
      },
    };
  }

  private fits(images: number, pixels: number): boolean {
    return this.images + images <= this.opts.maxImages && (this.pixels === 0 || this.pixels + pixels <= this.opts.maxPixels);
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0].images, this.waiting[0].pixels)) this.waiting.shift()!.admit();
  }
}
