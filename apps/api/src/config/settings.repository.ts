import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { SettingEntity } from './setting.entity.js';

export interface StoredSetting {
  key: string;
  /** Parsed JSON; checked by the caller. */
  value: unknown;
}

@Injectable()
export class SettingsRepository {
  constructor(@InjectRepository(SettingEntity) private readonly rows: Repository<SettingEntity>) {}

  async list(): Promise<StoredSetting[]> {
    const rows = await this.rows.find();
    return rows.map((row) => ({ key: row.key, value: parseJson(row.value) }));
  }

  /** Writes and deletes in one transaction so a PATCH is applied whole or not at all. */
  async apply(set: Readonly<Record<string, unknown>>, remove: readonly string[], byUserId: number | null) {
    await this.rows.manager.transaction(async (manager) => {
      const repo = manager.getRepository(SettingEntity);
      for (const [key, value] of Object.entries(set)) {
        await repo.save({ key, value: JSON.stringify(value), updatedBy: byUserId });
      }
      if (remove.length > 0) await repo.delete({ key: In([...remove]) });
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
