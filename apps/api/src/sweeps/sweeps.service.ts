import type {
  AuthUser,
  FieldErrors,
  SweepAxis,
  SweepBase,
  SweepCreateResponse,
  SweepResponse,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { isTxt2ImgBuildError, parseTxt2ImgParams, type Txt2ImgIssue } from '@atelier/workflow';
import { randomInt, randomUUID } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { JobLedgerService, hashRequest } from '../comfy/job-ledger.service.js';
import { AdmissionRegistry } from '../comfy/queue-admission.js';
import { TemplateRuns, type PlannedJob, type RunRequest } from '../comfy-templates/template-runs.service.js';
import { axisFields, checkSweepAxes, expandSweep, type SweepCellPlan } from './sweep-axes.js';
import { toSweepResponse } from './sweep-views.js';
import type { SweepDto } from './sweeps.dto.js';
import type { ComfyJobEntity } from '../comfy/job.entity.js';
import type { SweepEntity, SweepRequestAsRun } from './sweep.entity.js';
import { SweepsRepository } from './sweeps.repository.js';

/**
 * A sweep is planned whole before anything is queued: every cell goes through the one run path's planning and
 * GraphPolicy (TemplateRuns.planChecked), the caps are asked once for all its jobs, and only then are the jobs
 * handed to the ledger, so a sweep is refused whole, never half-queued. Each cell's job carries an
 * Idempotency-Key derived from the sweep's id, so a retried request (same key) finishes a sweep that was cut off
 * and returns the same jobs.
 */
@Injectable()
export class SweepsService {
  constructor(
    private readonly runs: TemplateRuns,
    private readonly ledger: JobLedgerService,
    private readonly admission: AdmissionRegistry,
    private readonly sweeps: SweepsRepository,
  ) {}

  async create(owner: AuthUser, body: SweepDto, key: string | null): Promise<SweepCreateResponse> {
    const axes = checkSweepAxes(body.axes);
    const requestHash = hashRequest(body);
    if (key) {
      const existing = await this.sweeps.findByIdempotencyKey(owner.id, key);
      if (existing) return this.resume(owner, existing, requestHash);
    }
    const request: SweepRequestAsRun = { base: withSweepSeed(checkBase(body.base), axes), axes };
    const cells = expandSweep(request.base, axes).cells;
    const planned = await this.planCells(owner, request, cells);
    await this.admission.current().assertMayEnqueue(owner, cells.length);
    const id = randomUUID();
    const row = { id, ownerId: owner.id, idempotencyKey: key, requestHash, request, jobCount: cells.length };
    if (!(await this.sweeps.insert(row))) {
      // A concurrent request with the same key was recorded first.
      const winner = key ? await this.sweeps.findByIdempotencyKey(owner.id, key) : null;
      if (!winner) throw new Error('The sweep could not be recorded');
      return this.resume(owner, winner, requestHash);
    }
    let jobs: ComfyJobEntity[];
    try {
      // One transaction for all the cells' jobs, the caps counted once more for all of them.
      jobs = await this.ledger.submitMany(
        owner,
        planned.map(({ cell, plan }) => ({ ...plan, idempotencyKey: cellKey(id, cell) })),
      );
    } catch (error) {
      // Nothing was queued: the sweep never was, and the same request may be sent again.
      await this.sweeps.delete(id);
      throw error;
    }
    await this.sweeps.addCells(
      id,
      planned.map(({ cell }, i) => ({ ...cell, promptId: jobs[i]?.promptId ?? '' })),
    );
    return { sweep_id: id, job_ids: jobs.map((job) => job.promptId) };
  }

  async find(user: AuthUser, id: string): Promise<SweepResponse> {
    const sweep = await this.visible(user, id);
    return toSweepResponse(sweep, sweep.request, await this.sweeps.cells(sweep.id));
  }

  /** The owner's sweep, or any for an admin; anyone else gets the same 404 as an unknown id. */
  async visible(user: AuthUser, id: string): Promise<SweepEntity & { owner?: { username: string } | null }> {
    const sweep = /^[0-9a-f-]{36}$/i.test(id) ? await this.sweeps.find(id.toLowerCase()) : null;
    if (!sweep || (sweep.ownerId !== user.id && user.role !== 'admin')) {
      throw new AppError('not_found', 'There is no such sweep');
    }
    return sweep;
  }

  /** The same request again: the cells queued so far, and the rest queued now (a sweep cut off half-way). */
  private async resume(
    owner: AuthUser,
    sweep: SweepEntity,
    requestHash: string,
  ): Promise<SweepCreateResponse> {
    if (sweep.requestHash !== requestHash) {
      throw new AppError('conflict', 'This Idempotency-Key was already used for a different request', {
        sweep_id: sweep.id,
      });
    }
    const request = sweep.request;
    const done = await this.sweeps.cells(sweep.id);
    const cells = expandSweep(request.base, request.axes).cells;
    if (done.length < cells.length) {
      const missing = cells.filter(
        (cell) => !done.some((d) => d.x === cell.x && d.y === cell.y && d.z === cell.z),
      );
      const planned = await this.planCells(owner, request, cells);
      await this.admission.current().assertMayEnqueue(owner, missing.length);
      return { sweep_id: sweep.id, job_ids: await this.submitEach(owner, sweep.id, planned) };
    }
    return { sweep_id: sweep.id, job_ids: done.map((cell) => cell.promptId) };
  }

  private async planCells(
    owner: AuthUser,
    request: SweepRequestAsRun,
    cells: readonly SweepCellPlan[],
  ): Promise<PlannedCell[]> {
    const planned: PlannedCell[] = [];
    for (const cell of cells) {
      try {
        planned.push({ cell, plan: await this.runs.planChecked(owner, toRunRequest(cell.base)) });
      } catch (error) {
        throw cellRefused(error, request, cell);
      }
    }
    return planned;
  }

  /** Cell by cell, each job found again by its key when the first attempt had queued it. */
  private async submitEach(
    owner: AuthUser,
    sweepId: string,
    planned: readonly PlannedCell[],
  ): Promise<string[]> {
    const ids: string[] = [];
    for (const { cell, plan } of planned) {
      const job = await this.ledger.submit({ owner, idempotencyKey: cellKey(sweepId, cell), ...plan });
      await this.sweeps.addCells(sweepId, [{ ...cell, promptId: job.promptId }]);
      ids.push(job.promptId);
    }
    return ids;
  }
}

/** A cell and the job planned for it. */
interface PlannedCell {
  cell: SweepCellPlan;
  plan: PlannedJob;
}

/** Each cell's job is the sweep's: a retried request finds the jobs an earlier attempt queued. */
function cellKey(sweepId: string, cell: SweepCellPlan): string {
  return `sweep:${sweepId}:${cell.x}.${cell.y}.${cell.z}`;
}

function toRunRequest(base: SweepBase): RunRequest {
  if (base.kind === 'template') return { kind: 'template', name: base.name, params: base.params };
  return { kind: 'txt2img', params: parseTxt2ImgParams(base.params) };
}

/** The base alone must be a valid request: its problems are named `base.…`. */
function checkBase(base: SweepDto['base']): SweepBase {
  if (base.kind === 'template') {
    if (!base.name)
      throw new AppError('validation_failed', 'A template sweep names its workflow', {
        'base.name': ['is required'],
      });
    return { kind: 'template', name: base.name, params: base.params };
  }
  if (base.name !== undefined) {
    throw new AppError('validation_failed', 'A txt2img sweep names no workflow', {
      'base.name': ['is not a field of a txt2img base'],
    });
  }
  try {
    return { kind: 'txt2img', params: parseTxt2ImgParams(base.params) };
  } catch (error) {
    if (!isTxt2ImgBuildError(error)) throw error;
    const fields: FieldErrors = {};
    for (const [field, messages] of Object.entries(issueFields(error.issues))) {
      fields[`base.params.${field}`] = messages;
    }
    throw new AppError('validation_failed', 'The sweep is invalid: its base request is refused', fields);
  }
}

/** Cells should differ only by their axes: a txt2img base without a seed gets one seed for all of them. */
function withSweepSeed(base: SweepBase, axes: readonly SweepAxis[]): SweepBase {
  if (base.kind !== 'txt2img' || base.params.seed !== undefined || axes.some((a) => a.param === 'seed')) {
    return base;
  }
  return { ...base, params: { ...base.params, seed: randomInt(0, 2 ** 47) } };
}

/**
 * A cell's refusal names the axis whose value caused it (`axes.1.values`) and the cell, else the base's field
 * (`base.params.width`); a base template that does not exist is the body's mistake (400), not a missing page.
 */
function cellRefused(error: unknown, request: SweepRequestAsRun, cell: SweepCellPlan): unknown {
  if (isTxt2ImgBuildError(error)) {
    return renamed(
      new AppError('validation_failed', error.message, issueFields(error.issues)),
      request,
      cell,
    );
  }
  if (!(error instanceof AppError)) return error;
  if (error.code === 'not_found' && request.base.kind === 'template') {
    return new AppError('validation_failed', error.message, { 'base.name': [error.message] });
  }
  return renamed(error, request, cell);
}

function issueFields(issues: readonly Txt2ImgIssue[]): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of issues) {
    const field = 'param' in issue ? issue.param : 'preset' in issue ? 'preset' : issue.feature;
    fields[field] = [...(fields[field] ?? []), issue.message];
  }
  return fields;
}

function renamed(error: AppError, request: SweepRequestAsRun, cell: SweepCellPlan): AppError {
  const at = { x: cell.x, y: cell.y, z: cell.z };
  const message = `Cell (${at.x}, ${at.y}, ${at.z}) of the sweep is refused: ${error.message}`;
  const details = error.details;
  if (error.code !== 'validation_failed' || typeof details !== 'object' || details === null) {
    const extra = typeof details === 'object' && details !== null ? details : {};
    return new AppError(error.code, message, { ...extra, cell: at }, error.headers);
  }
  const fields: FieldErrors = {};
  for (const [field, messages] of Object.entries(details as FieldErrors)) {
    const axis = request.axes.findIndex((a) => axisFields(request.base.kind, a).includes(field));
    const name = axis >= 0 ? `axes.${axis}.values` : `base.params.${field}`;
    fields[name] = [...(fields[name] ?? []), ...messages];
  }
  return new AppError('validation_failed', message, fields);
}
