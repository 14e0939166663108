/**
 * Reading COPY data straight from the connection's socket: a {@linkcode CopyTap} sits between the
 * socket and `npm:postgres`, follows the protocol's message boundaries in every chunk the socket
 * delivers, and while armed hands each CopyData message's payload to a receiver as a range of
 * the chunk (no `Buffer`, stream push or object per row); every other message (the COPY's start
 * and end, errors, notices, `ReadyForQuery`) goes on to the client unchanged, so the client's
 * state, error handling and cancellation stay its own.
 *
 * @example Two CopyData messages in one chunk, the client sees only the rest
 * ```ts
 * import { CopyTap } from "./postgres_copy.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const passed: number[][] = [];
 * const socket = {
 *   emit: (_event: string, chunk: Uint8Array) => passed.push([...chunk]) > 0,
 *   write: (_chunk: Uint8Array) => true,
 *   pause() {},
 *   resume() {},
 * };
 * const tap = new CopyTap(socket);
 * socket.write(new Uint8Array([0, 0, 0, 8, 0, 3, 0, 0])); // the StartupMessage (protocol 3.0)
 * const rows: number[][] = [];
 * tap.arm({ rows: (b, start, end) => rows.push([...b.subarray(start, end)]) > 0, done() {} });
 * // "d" with payload [1, 2], "d" with payload [3], "c" (CopyDone)
 * socket.emit("data", new Uint8Array([100, 0, 0, 0, 6, 1, 2, 100, 0, 0, 0, 5, 3, 99, 0, 0, 0, 4]));
 * assertEquals(rows, [[1, 2], [3]]);
 * assertEquals(passed, [[99, 0, 0, 0, 4]]);
 * ```
 *
 * @module
 */

/** What a {@linkcode CopyTap} needs of a socket (a `node:net` socket has it). */
export interface TapSocket {
  // deno-lint-ignore no-explicit-any
  emit(event: string, ...args: any[]): boolean;
  // deno-lint-ignore no-explicit-any
  write(chunk: any, ...args: any[]): boolean;
  pause(): unknown;
  resume(): unknown;
}

/** Receives the CopyData of an armed {@linkcode CopyTap}. */
export interface CopyReceiver {
  /**
   * One CopyData message's payload: `b[start..end)`, valid only during the call; `false` when
   * the receiver takes nothing for now (it pauses the tap: this message and what follows are
   * held until {@linkcode CopyTap.resume}).
   */
  rows(b: Uint8Array, start: number, end: number): boolean;
  /** CopyDone arrived (after it went on to the client). */
  done(): void;
}

/**
 * A StartupMessage of protocol 3.x: its length, then the version (an SSLRequest, GSSENCRequest
 * or CancelRequest has a code of 1234 in the high half instead; TLS records start with 0x14-0x17).
 */
function isStartup(b: Uint8Array): boolean {
  if (b.length < 8 || b[4] !== 0 || b[5] !== 3) return false;
  const len = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  return len >= 8 && len <= b.length;
}

const COPY_DATA = 0x64; // d
const COPY_DONE = 0x63; // c

/**
 * Splits what a socket delivers into the CopyData an armed receiver takes and the rest, which
 * reaches the socket's `data` listeners as before. Arming and disarming take effect at the next
 * message boundary.
 */
export class CopyTap {
  #socket: TapSocket;
  #emit: TapSocket["emit"];
  #receiver: CopyReceiver | undefined;
  /** Header bytes of the current message seen so far (5 once it is complete). */
  #hdr = 5;
  #len = 0;
  /** Payload bytes of the current message still to come. */
  #left = 0;
  /** Whether the current message is a CopyData the tap takes (not the client). */
  #own = false;
  /** The payload of a taken message cut by a chunk boundary, until it is whole. */
  #carry = new Uint8Array(1 << 12);
  #carried = 0;
  /** What arrived from the message a receiver refused on, until it takes data again. */
  #held: Uint8Array | undefined;
  #asChunk: (bytes: Uint8Array) => Uint8Array;
  #paused = false;

  /** Whether the client sent its StartupMessage in plain text: from then on, messages arrive. */
  #framed = false;

  /**
   * Wraps the socket's `emit`, so that `data` events pass through the tap, and its `write`, to
   * see the StartupMessage go out: until then (the answer to an SSLRequest) and on a socket that
   * carries TLS instead, every byte passes through untouched and the tap cannot be armed.
   * `asChunk` turns bytes the tap held into the kind of chunk the socket's listeners expect
   * (a `Buffer` for `npm:postgres`).
   */
  constructor(socket: TapSocket, asChunk: (bytes: Uint8Array) => Uint8Array = (b) => b) {
    this.#socket = socket;
    this.#asChunk = asChunk;
    this.#emit = socket.emit;
    socket.emit = (event: string, ...args: unknown[]) =>
      event === "data" && this.#framed
        ? this.#data(args[0] as Uint8Array)
        : this.#emit.call(socket, event, ...args);
    const write = socket.write;
    socket.write = (chunk: unknown, ...args: unknown[]) => {
      if (chunk instanceof Uint8Array && isStartup(chunk)) {
        this.#framed = true;
        socket.write = write;
      }
      return write.call(socket, chunk, ...args);
    };
  }

  /** Whether COPY data can be taken from this socket: it carries the protocol in plain text. */
  get framed(): boolean {
    return this.#framed;
  }

  /** Sends the CopyData of the statement about to run to `receiver` (once {@linkcode framed}). */
  arm(receiver: CopyReceiver): void {
    if (!this.#framed) throw new Error("Cannot arm a COPY tap before the startup message");
    this.#receiver = receiver;
  }

  /** Gives CopyData back to the client (from the next message on). */
  disarm(): void {
    this.#receiver = undefined;
  }

  /** Stops reading the socket (the server waits). */
  pause(): void {
    this.#paused = true;
    this.#socket.pause();
  }

  /**
   * Hands on what is held (a receiver that refused a message pauses the tap: that message and
   * all after it wait), then reads the socket again unless the receiver paused meanwhile.
   */
  resume(): void {
    this.#paused = false;
    while (this.#held && !this.#paused) {
      const held = this.#held;
      this.#held = undefined;
      this.#chunk(held);
    }
    if (!this.#paused) this.#socket.resume();
  }

  #pass(b: Uint8Array, from: number, to: number): void {
    if (to > from) {
      this.#emit.call(
        this.#socket,
        "data",
        from === 0 && to === b.length ? b : b.subarray(from, to),
      );
    }
  }

  #data(b: Uint8Array): boolean {
    if (this.#held) {
      // Behind what is held: kept in order until the receiver takes data again.
      const next = new Uint8Array(this.#held.length + b.length);
      next.set(this.#held);
      next.set(b, this.#held.length);
      this.#held = this.#asChunk(next);
      return true;
    }
    this.#chunk(b);
    return true;
  }

  /** Holds `prefix` and `b[from..]` until {@linkcode resume}, and pauses the socket. */
  #hold(prefix: Uint8Array | undefined, b: Uint8Array, from: number): void {
    const head = prefix?.length ?? 0;
    const held = new Uint8Array(head + b.length - from);
    if (prefix) held.set(prefix);
    held.set(b.subarray(from), head);
    this.#held = this.#asChunk(held);
    this.pause();
  }

  #chunk(b: Uint8Array): void {
    const n = b.length;
    let i = 0;
    let passFrom = 0;
    let done: CopyReceiver | undefined;
    while (i < n) {
      if (this.#hdr === 5) {
        if (this.#left > 0) {
          // The rest (or more) of the current message's payload.
          const take = Math.min(this.#left, n - i);
          if (this.#own) this.#carryIn(b, i, take);
          i += take;
          this.#left -= take;
          if (this.#own) {
            passFrom = i;
            if (this.#left === 0 && !this.#ownEnd()) {
              this.#pass(b, passFrom, i);
              return this.#hold(this.#carriedMessage(), b, i);
            }
          }
          continue;
        }
        // A new message.
        const type = b[i];
        this.#own = type === COPY_DATA && this.#receiver !== undefined;
        if (this.#own) {
          this.#pass(b, passFrom, i);
          passFrom = i;
        } else if (type === COPY_DONE) {
          done = this.#receiver;
        }
        if (i + 5 <= n) {
          const len = ((b[i + 1] << 24) | (b[i + 2] << 16) | (b[i + 3] << 8) | b[i + 4]) >>> 0;
          if (this.#own && i + len + 1 <= n) {
            // The whole payload is in this chunk: straight to the receiver, or held with the
            // rest of the chunk when it takes no more for now.
            const end = i + len + 1;
            if (!this.#receiver!.rows(b, i + 5, end)) return this.#hold(undefined, b, i);
            i = end;
            passFrom = i;
            continue;
          }
          this.#left = len - 4;
          i += 5;
          if (this.#own) {
            this.#carried = 0;
            passFrom = i;
          }
          continue;
        }
        this.#hdr = 1;
        this.#len = 0;
        i++;
        if (this.#own) passFrom = i;
        continue;
      }
      // A header cut by a chunk boundary: its length bytes one by one.
      this.#len = ((this.#len << 8) | b[i]) >>> 0;
      i++;
      if (this.#own) passFrom = i;
      if (++this.#hdr === 5) {
        this.#left = this.#len - 4;
        this.#carried = 0;
        if (this.#left === 0 && this.#own && !this.#ownEnd()) {
          return this.#hold(this.#carriedMessage(), b, i);
        }
      }
    }
    this.#pass(b, passFrom, n);
    done?.done();
  }

  /** The CopyData message whose payload was carried, header included, to hold it. */
  #carriedMessage(): Uint8Array {
    const length = this.#carried;
    const out = new Uint8Array(5 + length);
    const len = length + 4;
    out[0] = COPY_DATA;
    out[1] = len >>> 24;
    out[2] = (len >>> 16) & 255;
    out[3] = (len >>> 8) & 255;
    out[4] = len & 255;
    out.set(this.#carry.subarray(0, length), 5);
    return out;
  }

  #carryIn(b: Uint8Array, i: number, take: number): void {
    const need = this.#carried + take;
    if (need > this.#carry.length) {
      let size = this.#carry.length * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#carry.subarray(0, this.#carried));
      this.#carry = next;
    }
    this.#carry.set(b.subarray(i, i + take), this.#carried);
    this.#carried = need;
  }

  /** A taken message is whole: its carried payload goes to the receiver (`false`: not taken). */
  #ownEnd(): boolean {
    const receiver = this.#receiver;
    return receiver === undefined || receiver.rows(this.#carry, 0, this.#carried);
  }
}
