import { txt2imgFeatureNodeClasses } from '@atelier/workflow';
import { describe, expect, it } from 'vitest';
import type { ComfyObjectInfo } from '../types/comfy';
import { sampleObjectInfo } from '../test/fake-comfy';
import { comboOptions, featureNodeClasses, nodeClassOf, readCatalog } from './object-info';

describe('object info', () => {
  it('needs the same node classes per add-on as the workflow builder', () => {
    expect(featureNodeClasses).toEqual(txt2imgFeatureNodeClasses);
  });

  it('reads both combo shapes, and [] for what is missing', () => {
    const info = sampleObjectInfo();
    expect(comboOptions(info, 'KSampler', 'sampler_name')).toEqual(['euler', 'dpmpp_2m']);
    expect(comboOptions(info, 'KSampler', 'scheduler')).toEqual(['normal', 'karras']);
    expect(comboOptions(info, 'KSampler', 'nope')).toEqual([]);
    expect(comboOptions(info, 'Missing', 'x')).toEqual([]);
    // A server is not trusted to send the declared shape.
    expect(comboOptions({ Broken: 'yes' } as unknown as ComfyObjectInfo, 'Broken', 'x')).toEqual([]);
  });

  it('offers an add-on only when all its node classes exist', () => {
    const catalog = readCatalog(sampleObjectInfo());
    expect(catalog).toMatchObject({
      checkpoints: ['sdxl.safetensors', 'sd15.ckpt'],
      loras: ['detail.safetensors', 'style.safetensors'],
      features: ['pag'],
      canUseLoras: true,
    });
    const custom = Object.fromEntries(featureNodeClasses.split_sigmas.map((name) => [name, { input: {} }]));
    expect(readCatalog(custom).features).toEqual(['split_sigmas']);
    expect(readCatalog({}).features).toEqual([]);
  });

  it('names the class of a running node', () => {
    expect(nodeClassOf({ '3': { class_type: 'KSampler' } }, '3')).toBe('KSampler');
    expect(nodeClassOf(null, '3')).toBeNull();
  });
});
