import { describe, expect, it } from 'vitest';
import { comfyViewPath } from '../api/comfy';
import { imageKey, mergeImages } from './job-state';

describe('images across the pool of backends', () => {
  const onDefault = { filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output' } as const;
  const onSecond = { ...onDefault, backend: 2 };

  it('tells apart two backends’ files of the same name', () => {
    expect(imageKey(onDefault)).toBe('output//ComfyUI_00001_.png');
    expect(imageKey(onSecond)).toBe('2:output//ComfyUI_00001_.png');
    expect(mergeImages([onDefault], [onSecond, onDefault])).toEqual([onDefault, onSecond]);
  });

  it('asks the view route for the backend that holds the file', () => {
    expect(comfyViewPath(onDefault)).toBe('/comfy/view?filename=ComfyUI_00001_.png&subfolder=&type=output');
    expect(comfyViewPath(onSecond)).toBe(
      '/comfy/view?filename=ComfyUI_00001_.png&subfolder=&type=output&backend=2',
    );
  });
});
