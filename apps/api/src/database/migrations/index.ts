import { InitialSchema1763700000000 } from './1763700000000-initial-schema.js';
import { Gallery1763800000000 } from './1763800000000-gallery.js';
import { ComfyJobs1763900000000 } from './1763900000000-comfy-jobs.js';
import { ComfyUploads1764000000000 } from './1764000000000-comfy-uploads.js';
import { JobTemplates1764100000000 } from './1764100000000-job-templates.js';
import { UserMustChangePassword1764210000000 } from './1764210000000-user-must-change-password.js';
import { ComfyImageOwners1764300000000 } from './1764300000000-comfy-image-owners.js';
import { AuditLog1764400000000 } from './1764400000000-audit-log.js';
import { GallerySearch1764500000000 } from './1764500000000-gallery-search.js';
import { Curation1764600000000 } from './1764600000000-curation.js';
import { GalleryParamsBackfill1764500000001 } from './1764500000001-gallery-params-backfill.js';
import { JobQueue1764700000000 } from './1764700000000-job-queue.js';
import { ComfyBackends1764700000100 } from './1764700000100-comfy-backends.js';
import { RoleLimitsUsage1764700000200 } from './1764700000200-role-limits-usage.js';
import { ComfySweeps1764700000300 } from './1764700000300-comfy-sweeps.js';
import { Lineage1764800000000 } from './1764800000000-lineage.js';
import { SessionDetails1764800000100 } from './1764800000100-session-details.js';
import { SavedTemplates1764800000200 } from './1764800000200-saved-templates.js';
import { JobUiWorkflow1764800000300 } from './1764800000300-job-ui-workflow.js';
import { ApiKeys1764900000100 } from './1764900000100-api-keys.js';
import { Shares1764900000000 } from './1764900000000-shares.js';
import { Webhooks1764900000200 } from './1764900000200-webhooks.js';
import { AuditSystemActor1765000000000 } from './1765000000000-audit-system-actor.js';
import { GallerySeedBigint1765100000000 } from './1765100000000-gallery-seed-bigint.js';
import { GalleryExports1765200000700 } from './1765200000700-gallery-exports.js';

/** Every migration, oldest first. Listed by hand: globs do not survive bundling or ESM loading. */
export const migrations = [
  InitialSchema1763700000000,
  Gallery1763800000000,
  ComfyJobs1763900000000,
  ComfyUploads1764000000000,
  JobTemplates1764100000000,
  UserMustChangePassword1764210000000,
  ComfyImageOwners1764300000000,
  AuditLog1764400000000,
  GallerySearch1764500000000,
  GalleryParamsBackfill1764500000001,
  Curation1764600000000,
  JobQueue1764700000000,
  ComfyBackends1764700000100,
  RoleLimitsUsage1764700000200,
  ComfySweeps1764700000300,
  Lineage1764800000000,
  SessionDetails1764800000100,
  SavedTemplates1764800000200,
  JobUiWorkflow1764800000300,
  Shares1764900000000,
  ApiKeys1764900000100,
  Webhooks1764900000200,
  AuditSystemActor1765000000000,
  GallerySeedBigint1765100000000,
  GalleryExports1765200000700,
];
