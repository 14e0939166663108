import { assertEquals } from "@std/assert";
import { civilFromDays, civilFromMicros, daysFromCivil } from "./civil.ts";

Deno.test("civilFromDays() days round-trip against Date over ±1,000 years, and beyond Date's reach", () => {
  for (let days = -1_100_000; days <= 400_000; days += 997) {
    const date = new Date(days * 86_400_000);
    const civil = civilFromDays(BigInt(days));
    assertEquals(civil, {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
    });
    assertEquals(daysFromCivil(civil.year, civil.month, civil.day), BigInt(days));
  }
  const far = daysFromCivil(1_000_000, 12, 31);
  assertEquals(civilFromDays(far), { year: 1_000_000, month: 12, day: 31 });
  assertEquals(civilFromDays(daysFromCivil(-4712, 1, 1)), { year: -4712, month: 1, day: 1 });
});

Deno.test("civilFromMicros() microseconds split into date and time", () => {
  assertEquals(civilFromMicros(1_704_164_645_123_456n), {
    year: 2024,
    month: 1,
    day: 2,
    hour: 3,
    minute: 4,
    second: 5,
    micro: 123_456,
  });
});
