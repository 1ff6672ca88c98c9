import type {
  AdminConfigResponse,
  FieldErrors,
  RuntimeSettingKey,
  RuntimeSettings,
  SettingSource,
} from '@atelier/contract';
import { Logger } from '@nestjs/common';
import type { EventBus } from '../events/event-bus.js';
import type { EventActor, RuntimeSettingsChange } from '../events/app-events.js';
import { AppError } from '../common/app-error.js';
import { AppConfig } from './app-config.js';
import {
  crossSettingErrors,
  isRuntimeSettingKey,
  putSetting,
  runtimeSettingKeys,
  runtimeSettingSpecs,
} from './runtime-settings.js';
import { SettingsRepository } from './settings.repository.js';

export type { RuntimeSettingsChange };

type Overrides = Partial<RuntimeSettings>;

/**
 * The live runtime settings: managed server > admin override > environment > default. Other services read `get()`
 * whenever they need a value and subscribe to the bus's `config.changed` to react without a restart.
 * Created through `createRuntimeConfig`, so it is loaded before anyone can inject it.
 */
export class RuntimeConfig {
  private readonly logger = new Logger(RuntimeConfig.name);
  private overrides: Overrides = {};
  /** Imposed by the managed ComfyUI server while it runs; wins over everything else. */
  private managed: Overrides = {};
  private current: Readonly<RuntimeSettings>;
  /** Reloads after other replicas' changes, one at a time, so the last one reads the last write. */
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: AppConfig,
    private readonly store: SettingsRepository,
    private readonly bus: EventBus,
  ) {
    this.current = this.compute();
  }

  /** Reads the persisted overrides; a stored value that no longer passes its rules is ignored. */
  async load(): Promise<void> {
    const overrides: Overrides = {};
    for (const { key, value } of await this.store.list()) {
      if (!isRuntimeSettingKey(key)) continue;
      const checked = runtimeSettingSpecs[key].check(value);
      if (checked === undefined) {
        this.logger.warn(`Ignoring stored setting ${key}: ${runtimeSettingSpecs[key].accepts} expected`);
        continue;
      }
      putSetting(overrides, key, checked);
    }
    const candidate = this.compute(overrides);
    if (Object.keys(crossSettingErrors(candidate)).length > 0) {
      this.logger.warn('Ignoring stored settings: they break a rule between settings');
      return;
    }
    this.overrides = overrides;
    this.current = candidate;
  }

  /**
   * Scale-out: an admin's change on another replica takes effect here too. It is not published again
   * (that replica's audit recorded it once; local subscribers stay local). Its values are applied at once,
   * so the `any-replica` subscribers called after this one read them; then the stored overrides are
   * reloaded, as they are the truth (a reset key goes back to its env or default source).
   */
  followOtherReplicas(): () => void {
    return this.bus.subscribe(
      'config.changed',
      ({ current, changedKeys }, { local }) => {
        if (local) return;
        const overrides: Overrides = { ...this.overrides };
        for (const key of changedKeys) putSetting(overrides, key, current[key]);
        this.overrides = overrides;
        this.current = this.compute();
        this.reloading = this.reloading
          .then(() => this.load())
          .catch((error: unknown) => this.logger.warn({ err: error }, 'Cannot reload the runtime settings'));
        return this.reloading;
      },
      { from: 'any-replica' },
    );
  }

  /** The effective settings; a fresh frozen object after every change, so holding one is safe. */
  get(): Readonly<RuntimeSettings> {
    return this.current;
  }

  sources(): Record<RuntimeSettingKey, SettingSource> {
    const envValues = this.config.runtime.env;
    const sourceOf = (key: RuntimeSettingKey): SettingSource => {
      if (key in this.managed) return 'managed';
      if (key in this.overrides) return 'admin';
      return key in envValues ? 'env' : 'default';
    };
    const entries = runtimeSettingKeys.map((key): [RuntimeSettingKey, SettingSource] => [key, sourceOf(key)]);
    return Object.fromEntries(entries) as Record<RuntimeSettingKey, SettingSource>;
  }

  /** Each effective value with its source, as GET /api/admin/config shows it. */
  view(): AdminConfigResponse['settings'] {
    const sources = this.sources();
    const entries = runtimeSettingKeys.map((key) => [
      key,
      { value: this.current[key], source: sources[key] },
    ]);
    return Object.fromEntries(entries) as AdminConfigResponse['settings'];
  }

  /**
   * Validates an admin PATCH body (any subset of keys; `null` resets a key to env/default), persists it
   * and applies it. Returns the change, or null when no effective value moved. `by`: the admin, carried
   * on `config.changed` (null for a script or test).
   */
  async update(patch: unknown, by: EventActor | null): Promise<RuntimeSettingsChange | null> {
    const { set, reset } = this.validate(patch);
    const overrides: Overrides = { ...this.overrides, ...set };
    for (const key of reset) delete overrides[key];
    const next = this.compute(overrides);
    const crossErrors = crossSettingErrors(next);
    if (Object.keys(crossErrors).length > 0) {
      throw new AppError('validation_failed', 'The settings are not consistent', crossErrors);
    }

    await this.store.apply(set, reset, by?.id ?? null);
    this.overrides = overrides;
    const change = this.apply(next, by);
    // Awaited, so the admin is answered once the change is recorded (the audit log); the other
    // subscribers are synchronous.
    if (change) await this.bus.publish('config.changed', change);
    return change;
  }

  /**
   * Values the managed ComfyUI server imposes (comfy-managed/): its URL and `comfy_enabled: true`. They win
   * over admin, env and default, show the source `managed`, are not persisted, and fire the normal change
   * event, so consumers rewire exactly as after an admin change. `null` removes them.
   */
  setManagedOverride(values: Partial<RuntimeSettings> | null): RuntimeSettingsChange | null {
    this.managed = { ...values };
    const change = this.apply(this.compute(), null);
    if (change) void this.bus.publish('config.changed', change);
    return change;
  }

  private apply(next: Readonly<RuntimeSettings>, actor: EventActor | null): RuntimeSettingsChange | null {
    const previous = this.current;
    this.current = next;
    const changedKeys = runtimeSettingKeys.filter((key) => previous[key] !== next[key]);
    if (changedKeys.length === 0) return null;
    const change: RuntimeSettingsChange = { previous, current: next, changedKeys, actor };
    this.logger.log({ changedKeys, byUserId: actor?.id ?? null }, 'Runtime settings changed');
    return change;
  }

  private validate(patch: unknown): { set: Overrides; reset: RuntimeSettingKey[] } {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new AppError('validation_failed', 'The body must be a JSON object of settings', {
        body: ['must be a JSON object'],
      });
    }
    const errors: FieldErrors = {};
    const set: Overrides = {};
    const reset: RuntimeSettingKey[] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (!isRuntimeSettingKey(key)) {
        errors[key] = ['is not a runtime setting'];
      } else if (value === null) {
        reset.push(key);
      } else {
        const checked = runtimeSettingSpecs[key].check(value);
        if (checked === undefined) errors[key] = [`must be ${runtimeSettingSpecs[key].accepts}`];
        else putSetting(set, key, checked);
      }
    }
    if (Object.keys(errors).length > 0) {
      throw new AppError('validation_failed', 'Some settings are invalid', errors);
    }
    return { set, reset };
  }

  private compute(overrides: Overrides = this.overrides): Readonly<RuntimeSettings> {
    return Object.freeze({
      ...this.config.runtime.defaults,
      ...this.config.runtime.env,
      ...overrides,
      ...this.managed,
    });
  }
}

export async function createRuntimeConfig(
  config: AppConfig,
  store: SettingsRepository,
  bus: EventBus,
): Promise<RuntimeConfig> {
  const runtime = new RuntimeConfig(config, store, bus);
  await runtime.load();
  // Subscribed before anyone can inject it: its handler runs before theirs.
  runtime.followOtherReplicas();
  return runtime;
}
