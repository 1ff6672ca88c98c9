import { Injectable, Logger } from '@nestjs/common';
import type { AppEventMap, AppEventName } from './app-events.js';

export type AppEventHandler<K extends AppEventName> = (payload: AppEventMap[K]) => void | Promise<void>;

/**
 * The in-process event bus: features publish what happened, others subscribe by name, and neither
 * imports the other. Handlers run synchronously, in subscription order, inside `publish`, so state
 * they derive (a rewired client, a closed stream) is in place before the publisher's next line. A
 * throwing or rejecting handler is logged and never reaches the publisher or the other handlers.
 *
 * Deliberately two verbs and typed payloads: scale-out mode can back this with Redis without touching
 * its callers.
 */
@Injectable()
export class EventBus {
  private readonly logger = new Logger(EventBus.name);
  private readonly handlers = new Map<AppEventName, Set<AppEventHandler<never>>>();

  /**
   * Calls every handler of `name` with `payload`. The promise settles once the handlers' own promises
   * have: await it only when the caller must not go on before them (e.g. sessions revoked before a
   * "user disabled" answer); most publishers ignore it.
   */
  publish<K extends AppEventName>(name: K, payload: AppEventMap[K]): Promise<void> {
    const pending: Promise<unknown>[] = [];
    // A copy: a handler may subscribe or unsubscribe while the event is being handled.
    for (const handler of [...(this.handlers.get(name) ?? [])] as AppEventHandler<K>[]) {
      try {
        const result = handler(payload);
        if (result instanceof Promise)
          pending.push(result.catch((error: unknown) => this.failed(name, error)));
      } catch (error) {
        this.failed(name, error);
      }
    }
    return pending.length === 0 ? settled : Promise.all(pending).then(() => undefined);
  }

  /** Calls `handler` with every later `name` event; returns the unsubscribe function. */
  subscribe<K extends AppEventName>(name: K, handler: AppEventHandler<K>): () => void {
    // Each subscription is its own entry, so subscribing one function twice calls it twice.
    const entry: AppEventHandler<K> = (payload) => handler(payload);
    let handlers = this.handlers.get(name);
    if (!handlers) this.handlers.set(name, (handlers = new Set()));
    handlers.add(entry);
    return () => {
      handlers.delete(entry);
    };
  }

  private failed(name: AppEventName, error: unknown): void {
    this.logger.error({ err: error, event: name }, 'An event handler failed');
  }
}

const settled = Promise.resolve();
