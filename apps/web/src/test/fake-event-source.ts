/**
 * An in-memory EventSource for store and component tests (the composable's own tests use a real SSE
 * server). Each instance records its URL; tests push named events into it.
 */
export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;

  readyState = FakeEventSource.OPEN;
  private readonly listeners = new Map<string, ((event: Event) => void)[]>();

  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }

  static reset(): void {
    FakeEventSource.instances = [];
  }

  static open(): FakeEventSource[] {
    return FakeEventSource.instances.filter((source) => source.readyState !== FakeEventSource.CLOSED);
  }

  static for(promptId: string): FakeEventSource {
    const found = FakeEventSource.open().find((source) => source.url.includes(`/stream/${promptId}`));
    if (!found) throw new Error(`no open stream for ${promptId}`);
    return found;
  }

  addEventListener(type: string, listener: (event: Event) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  emit(event: string, id: number, data: object): void {
    const message = new MessageEvent(event, { data: JSON.stringify(data), lastEventId: String(id) });
    for (const listener of this.listeners.get(event) ?? []) listener(message);
  }

  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }
}
