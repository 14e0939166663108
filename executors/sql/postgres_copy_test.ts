import { assertEquals, assertThrows } from "../../_testing/assert.ts";
import { CopyTap } from "./postgres_copy.ts";

/** One protocol message: type byte, length (itself included), payload. */
function message(type: string, payload: number[]): number[] {
  const len = payload.length + 4;
  return [
    type.charCodeAt(0),
    len >>> 24,
    (len >>> 16) & 255,
    (len >>> 8) & 255,
    len & 255,
    ...payload,
  ];
}

function fakeSocket() {
  const passed: number[] = [];
  const socket = {
    paused: 0,
    resumed: 0,
    write(_chunk: Uint8Array) {
      return true;
    },
    emit(_event: string, chunk: Uint8Array) {
      passed.push(...chunk);
      return true;
    },
    pause() {
      socket.paused++;
    },
    resume() {
      socket.resumed++;
    },
  };
  return { socket, passed };
}

const STARTUP = new Uint8Array([0, 0, 0, 9, 0, 3, 0, 0, 0]);

const payload = (n: number, seed: number) => Array.from({ length: n }, (_, k) => (seed + k) & 255);

// A COPY as the server sends it, between other messages: the client must get every message but
// the CopyData ones, the receiver every CopyData payload, in order, wherever the chunks split.
const before = [...message("Z", [73]), ...message("H", [1, 0, 0])];
const copyData = [payload(30, 1), payload(0, 0), payload(3, 9), payload(300, 7), payload(1, 5)];
const after = [...message("c", []), ...message("C", payload(11, 65)), ...message("Z", [73])];
const wire = [...before, ...copyData.flatMap((p) => message("d", p)), ...after];

Deno.test("CopyTap: CopyData to the receiver, the rest to the client, at any chunk split", () => {
  for (let a = 0; a <= wire.length; a++) {
    for (const b of [a, a + 1, a + 4, a + 7, a + 64, wire.length]) {
      if (b > wire.length) continue;
      const { socket, passed } = fakeSocket();
      const tap = new CopyTap(socket);
      socket.write(STARTUP);
      const rows: number[][] = [];
      let done = 0;
      tap.arm({ rows: (buf, s, e) => rows.push([...buf.subarray(s, e)]) > 0, done: () => done++ });
      for (const [s, e] of [[0, a], [a, b], [b, wire.length]]) {
        if (e > s) socket.emit("data", new Uint8Array(wire.slice(s, e)));
      }
      assertEquals(rows, copyData, `split at ${a}, ${b}`);
      assertEquals(passed, [...before, ...after], `split at ${a}, ${b}`);
      assertEquals(done, 1);
    }
  }
});

Deno.test("CopyTap: unarmed or disarmed, every byte reaches the client as it came", () => {
  const { socket, passed } = fakeSocket();
  new CopyTap(socket);
  socket.emit("data", new Uint8Array(wire.slice(0, 20)));
  socket.emit("data", new Uint8Array(wire.slice(20)));
  assertEquals(passed, wire);

  // Disarmed in the middle of a CopyData message: that message stays the tap's, the next ones
  // go to the client.
  const second = fakeSocket();
  const tap = new CopyTap(second.socket);
  second.socket.write(STARTUP);
  const rows: number[][] = [];
  tap.arm({ rows: (buf, s, e) => rows.push([...buf.subarray(s, e)]) > 0, done() {} });
  const cut = before.length + 5 + 10; // inside the first CopyData's payload
  second.socket.emit("data", new Uint8Array(wire.slice(0, cut)));
  tap.disarm();
  second.socket.emit("data", new Uint8Array(wire.slice(cut)));
  assertEquals(rows, []);
  const firstEnd = before.length + 5 + copyData[0].length;
  assertEquals(second.passed, [...before, ...wire.slice(firstEnd)]);
});

Deno.test("CopyTap: pause and resume reach the socket", () => {
  const { socket } = fakeSocket();
  const tap = new CopyTap(socket);
  tap.pause();
  tap.resume();
  assertEquals([socket.paused, socket.resumed], [1, 1]);
});

Deno.test("CopyTap: bytes before the StartupMessage or after an SSLRequest pass untouched", () => {
  const { socket, passed } = fakeSocket();
  const tap = new CopyTap(socket);
  // The SSLRequest is no StartupMessage: the one-byte answer "N" must not be read as a message.
  socket.write(new Uint8Array([0, 0, 0, 8, 4, 210, 22, 47]));
  assertEquals(tap.framed, false);
  assertThrows(() => tap.arm({ rows: () => true, done() {} }));
  socket.emit("data", new Uint8Array([78]));
  socket.write(STARTUP);
  assertEquals(tap.framed, true);
  const rows: number[][] = [];
  tap.arm({ rows: (buf, s, e) => rows.push([...buf.subarray(s, e)]) > 0, done() {} });
  socket.emit("data", new Uint8Array(wire));
  assertEquals(passed, [78, ...wire.slice(0, before.length), ...after]);
  assertEquals(rows, copyData);
});

Deno.test("CopyTap: a refused message and all after it wait for resume, at any chunk split", () => {
  for (let a = 0; a <= wire.length; a++) {
    for (const b of [a, a + 3, a + 40, wire.length]) {
      if (b > wire.length) continue;
      const { socket, passed } = fakeSocket();
      const tap = new CopyTap(socket);
      socket.write(STARTUP);
      const rows: number[][] = [];
      let calls = 0;
      let done = 0;
      // Refuses every other call: the refused message comes again after resume.
      tap.arm({
        rows: (buf, s, e) => (calls++ % 2 === 1 ? false : rows.push([...buf.subarray(s, e)]) > 0),
        done: () => done++,
      });
      for (const [s, e] of [[0, a], [a, b], [b, wire.length]]) {
        if (e > s) socket.emit("data", new Uint8Array(wire.slice(s, e)));
      }
      for (let k = 0; k < 20 && done === 0; k++) tap.resume();
      assertEquals(rows, copyData, `split at ${a}, ${b}`);
      assertEquals(passed, [...before, ...after], `split at ${a}, ${b}`);
      assertEquals(done, 1);
    }
  }
});

Deno.test("CopyTap: held bytes reach the client as the chunks it expects", () => {
  class Marked extends Uint8Array {}
  const kinds: boolean[] = [];
  const socket = {
    write: (_chunk: Uint8Array) => true,
    emit: (_event: string, chunk: Uint8Array) => kinds.push(chunk instanceof Marked) > 0,
    pause() {},
    resume() {},
  };
  const tap = new CopyTap(socket, (b) => new Marked(b));
  socket.write(STARTUP);
  let refuse = true;
  tap.arm({ rows: () => !refuse, done() {} });
  socket.emit("data", new Uint8Array(wire));
  refuse = false;
  tap.disarm();
  tap.resume();
  // "Z" and "H" before the held CopyData, then everything after it from the held copy.
  assertEquals(kinds, [false, true]);
});
