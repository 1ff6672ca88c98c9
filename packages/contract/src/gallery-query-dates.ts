/**
 * The dates of `from:` and `to:`: YYYY-MM-DD or an ISO 8601 time, checked field by field (Date.parse
 * accepts 2026-02-30 and reads times without an offset as local time, so it is not used).
 */

/** A checked date or time: as written for the API, and the instant it bounds in ms since 1970 (UTC). */
export interface QueryInstant {
  text: string;
  ms: number;
}

const dateOnly = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
// Anchored, no nested repetition: linear on any input.
const dateTime =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$/;

const dayMs = 86_400_000;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Reads a `from:`/`to:` value. A date bounds its whole day: its first millisecond for `from`, its
 * last for `to`. A time without an offset is UTC (as the API reads it). Null when not a real date.
 */
export function parseQueryInstant(raw: string, bound: 'from' | 'to'): QueryInstant | null {
  const text = raw.toUpperCase();
  const day = dateOnly.exec(text);
  const time = day ? null : dateTime.exec(text);
  const parts = day ?? time;
  if (!parts) return null;
  const [year, month, date] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (month < 1 || month > 12 || date < 1 || date > daysIn(year, month)) return null;
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const midnight = new Date(0);
  midnight.setUTCFullYear(year, month - 1, date);
  if (day) return { text, ms: bound === 'from' ? midnight.getTime() : midnight.getTime() + dayMs - 1 };

  const [hour, minute, second] = [Number(parts[4]), Number(parts[5]), Number(parts[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return null;
  const fraction = parts[7] ? Math.floor(Number(`0${parts[7]}`) * 1000) : 0;
  const zone = parts[8] ?? 'Z';
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const [zoneHours, zoneMinutes] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    if (zoneHours > 23 || zoneMinutes > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  const ms = midnight.getTime() + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + fraction;
  return { text, ms };
}
