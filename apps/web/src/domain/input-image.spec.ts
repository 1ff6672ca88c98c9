import { describe, expect, it } from 'vitest';
import {
  asUpload,
  describeInput,
  imageFileOf,
  inputFileName,
  inputFileProblem,
  inputImageRef,
} from './input-image';

function transfer(files: File[], items: { kind: string; type: string; getAsFile(): File | null }[] = []) {
  return { files, items, types: files.length ? ['Files'] : [] } as unknown as DataTransfer;
}

describe('input images', () => {
  it('accepts PNG, JPEG, WebP and untyped bytes; refuses other types, empty and oversized files', () => {
    expect(inputFileProblem({ type: 'image/png', size: 10 })).toBeNull();
    expect(inputFileProblem({ type: '', size: 10 })).toBeNull();
    expect(inputFileProblem({ type: 'image/gif', size: 10 })).toBe('Choose a PNG, JPEG or WebP image.');
    expect(inputFileProblem({ type: 'image/png', size: 0 })).toBe('That file is empty.');
    expect(inputFileProblem({ type: 'image/webp', size: 26 * 1024 * 1024 })).toBe(
      'That image is over 25 MiB.',
    );
  });

  it('finds the first image of a drop or paste, among files or items', () => {
    const text = new File(['x'], 'notes.txt', { type: 'text/plain' });
    const png = new File(['x'], 'a.png', { type: 'image/png' });
    expect(imageFileOf(transfer([text, png]))).toBe(png);
    expect(imageFileOf(transfer([], [{ kind: 'file', type: 'image/png', getAsFile: () => png }]))).toBe(png);
    expect(imageFileOf(transfer([text]))).toBeNull();
    expect(imageFileOf(null)).toBeNull();
  });

  it('names bytes that have no name, and points at the uploaded file', () => {
    expect(inputFileName(new Blob([], { type: 'image/jpeg' }))).toBe('input.jpg');
    expect(inputFileName(new Blob([]), 'result')).toBe('result.png');
    expect(inputImageRef({ name: 'atelier-1.png', subfolder: 'atelier' })).toEqual({
      filename: 'atelier-1.png',
      subfolder: 'atelier',
      type: 'input',
    });
    expect(describeInput({ width: 640, height: 480, mime: 'image/webp' })).toBe('640 × 480 · WebP');
  });

  it('reads back only well-formed uploads', () => {
    const upload = {
      id: 1,
      name: 'n',
      subfolder: 's',
      image: 's/n',
      kind: 'image',
      mime: 'image/png',
      sha256: 'x',
      bytes: 1,
      width: 2,
      height: 3,
    };
    expect(asUpload(upload)).toBe(upload);
    expect(asUpload({ ...upload, width: '2' })).toBeNull();
    expect(asUpload('s/n')).toBeNull();
  });
});
