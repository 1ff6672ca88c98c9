import { Module } from '@nestjs/common';
import { EventBus } from './event-bus.js';

/** The in-process event bus. Import it where events are published or handled (one instance per app). */
@Module({ providers: [EventBus], exports: [EventBus] })
export class EventsModule {}
