/**
 * The frontend's INT/FLOAT widget callbacks. They run when a PrimitiveNode pushes its value into a widget, and they
 * round — with the same floating-point arithmetic, so e.g. 0.7 becomes 0.7000000000000001 — which the prompt shows.
 */
import type { InputSpec } from '../object-info.js';

interface NumberConfig {
  min: number;
  max: number;
  /** Ten times the input's step, as LiteGraph stores it. */
  step: number;
  round: number | false | undefined;
}

function numberOption(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function numberConfig(
  spec: InputSpec,
  defaultStep: number,
  fixedPrecision: number | undefined,
): NumberConfig {
  const min = numberOption(spec.options.min) ?? 0;
  const max = numberOption(spec.options.max) ?? 2048;
  const step = numberOption(spec.options.step) ?? defaultStep;
  const precision = fixedPrecision ?? Math.max(-Math.floor(Math.log10(step)), 0);
  const rawRound = spec.options.round;
  let round: number | false | undefined =
    typeof rawRound === 'number' ? rawRound : rawRound === false ? false : undefined;
  if (rawRound === undefined || rawRound === null || rawRound === true) {
    round = Math.round(1000000 * Math.pow(0.1, precision)) / 1000000;
  }
  return { min, max, step: 10 * step, round };
}

/** What an INT widget holds after its callback ran with `value`. */
export function intWidgetValue(spec: InputSpec, value: number): number {
  const config = numberConfig(spec, 1, 0);
  const s = config.step / 10;
  let shift = config.min % s;
  if (Number.isNaN(shift)) shift = 0;
  return Math.round((value - shift) / s) * s + shift;
}

/** What a FLOAT widget holds after its callback ran with `value`. */
export function floatWidgetValue(spec: InputSpec, value: number): number {
  const config = numberConfig(spec, 0.5, undefined);
  if (!config.round) return value;
  let rounded = Math.round((value + Number.EPSILON) / config.round) * config.round;
  if (rounded > config.max) rounded = config.max;
  if (rounded < config.min) rounded = config.min;
  return rounded;
}
