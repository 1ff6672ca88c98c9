import type { UsageDayString } from '@atelier/contract';

const dayMs = 86_400_000;

/** The UTC calendar day of an instant, `YYYY-MM-DD` (usage and quotas reset at UTC midnight). */
export function utcDay(at: Date = new Date()): UsageDayString {
  return at.toISOString().slice(0, 10);
}

/** The first instant of the next UTC day. */
export function nextUtcMidnight(at: Date = new Date()): Date {
  return new Date(Math.floor(at.getTime() / dayMs) * dayMs + dayMs);
}

/** Whole seconds until the next UTC midnight, at least 1 (a Retry-After value). */
export function secondsToUtcMidnight(at: Date = new Date()): number {
  return Math.max(1, Math.ceil((nextUtcMidnight(at).getTime() - at.getTime()) / 1000));
}

/** The day `n` days after (or before, n < 0) a `YYYY-MM-DD` day. */
export function addDays(day: UsageDayString, n: number): UsageDayString {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + n * dayMs));
}

/** Every day from `from` to `to`, both included, ascending. */
export function daysFrom(from: UsageDayString, to: UsageDayString): UsageDayString[] {
  const days: UsageDayString[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

/** Inclusive day count of a range (1 for a single day). */
export function dayCount(from: UsageDayString, to: UsageDayString): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs) + 1;
}

/** A real calendar day spelt `YYYY-MM-DD` (2026-02-30 is not). */
export function isUtcDay(value: string): boolean {
  return (
    /^\d{4}-\d\d-\d\d$/.test(value) &&
    !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
    utcDay(new Date(`${value}T00:00:00Z`)) === value
  );
}
