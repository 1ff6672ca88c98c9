import { Injectable, Logger } from '@nestjs/common';
import type { AppEventMap, AppEventName } from './app-events.js';

/** Where an event came from: `origin` is the replica id of the process that published it. */
export interface EventMeta {
  readonly origin: string;
  /** False for an event that another replica published and Redis brought here. */
  readonly local: boolean;
}

export type AppEventHandler<K extends AppEventName> = (
  payload: AppEventMap[K],
  meta: EventMeta,
) => void | Promise<void>;

export interface SubscribeOptions {
  /**
   * `this-replica` (the default): only events published in this process. `any-replica`: also those other
   * replicas publish (scale-out mode; listed in cluster-events.ts). Opt in only to mirror state every
   * replica keeps (settings, caches, streams): a side effect that must happen once per cluster (audit,
   * webhooks, usage, auto-capture…) stays on the default, so it runs only where the event happened.
   */
  readonly from?: 'this-replica' | 'any-replica';
}

interface Subscription {
  readonly handler: AppEventHandler<never>;
  readonly anyReplica: boolean;
}

/**
 * The in-process event bus: features publish what happened, others subscribe by name, and neither
 * imports the other. Handlers run synchronously, in subscription order, inside `publish`, so state
 * they derive (a rewired client, a closed stream) is in place before the publisher's next line. A
 * throwing or rejecting handler is logged and never reaches the publisher or the other handlers.
 *
 * Deliberately two verbs and typed payloads. This class is the embedded implementation (one process);
 * in scale-out mode `RedisEventBus` extends it and also carries events to and from the other replicas.
 */
@Injectable()
export class EventBus {
  protected readonly logger = new Logger(EventBus.name);
  private readonly handlers = new Map<AppEventName, Set<Subscription>>();
  private readonly localMeta: EventMeta;

  /** `replicaId`: AppConfig.replicaId (what remote subscribers see as `origin`). */
  constructor(readonly replicaId = 'local') {
    this.localMeta = { origin: replicaId, local: true };
  }

  /**
   * Calls every handler of `name` with `payload`. The promise settles once the handlers' own promises
   * have: await it only when the caller must not go on before them (e.g. sessions revoked before a
   * "user disabled" answer); most publishers ignore it.
   */
  publish<K extends AppEventName>(name: K, payload: AppEventMap[K]): Promise<void> {
    return this.deliver(name, payload, this.localMeta);
  }

  /** Calls `handler` with every later `name` event; returns the unsubscribe function. */
  subscribe<K extends AppEventName>(
    name: K,
    handler: AppEventHandler<K>,
    options: SubscribeOptions = {},
  ): () => void {
    // Each subscription is its own entry, so subscribing one function twice calls it twice.
    const entry: Subscription = {
      handler,
      anyReplica: options.from === 'any-replica',
    };
    let handlers = this.handlers.get(name);
    if (!handlers) this.handlers.set(name, (handlers = new Set()));
    handlers.add(entry);
    return () => {
      handlers.delete(entry);
    };
  }

  /**
   * Runs the handlers of `name`: every one for a local event, only the `any-replica` ones for an event
   * another replica published (`meta.local` false).
   */
  protected deliver<K extends AppEventName>(
    name: K,
    payload: AppEventMap[K],
    meta: EventMeta,
  ): Promise<void> {
    const pending: Promise<unknown>[] = [];
    // A copy: a handler may subscribe or unsubscribe while the event is being handled.
    for (const { handler, anyReplica } of [...(this.handlers.get(name) ?? [])]) {
      if (!meta.local && !anyReplica) continue;
      try {
        const result = (handler as AppEventHandler<K>)(payload, meta);
        if (result instanceof Promise)
          pending.push(result.catch((error: unknown) => this.failed(name, error)));
      } catch (error) {
        this.failed(name, error);
      }
    }
    return pending.length === 0 ? settled : Promise.all(pending).then(() => undefined);
  }

  private failed(name: AppEventName, error: unknown): void {
    this.logger.error({ err: error, event: name }, 'An event handler failed');
  }
}

const settled = Promise.resolve();
