/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests: it throws on anything a
 * scraper would reject or misread (a sample without its family's TYPE, a malformed label, a bad value, a
 * histogram whose buckets go down or whose +Inf bucket differs from its count).
 */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const nameRe = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNameRe = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const suffixes: Record<MetricType, readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const [, kind, name = '', ...rest] = line.split(' ');
      if (!nameRe.test(name)) throw new Error(`bad metric name, ${where}`);
      const family = families.get(name) ?? { name, type: 'untyped' as MetricType, help: '', samples: [] };
      if (kind === 'HELP') family.help = rest.join(' ');
      else {
        const type = rest.join(' ') as MetricType;
        if (!types.includes(type) || families.get(name)?.samples.length)
          throw new Error(`bad TYPE, ${where}`);
        family.type = type;
      }
      families.set(name, family);
      return;
    }
    if (line.startsWith('#') || line === '') return;
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`sample of no declared family, ${where}`);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  for (const family of families.values()) {
    for (const suffix of suffixes[family.type]) if (`${family.name}${suffix}` === sampleName) return family;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const nameEnd = line.search(/[{ ]/);
  if (nameEnd <= 0) throw new Error(`no value, ${where}`);
  const name = line.slice(0, nameEnd);
  if (!nameRe.test(name)) throw new Error(`bad sample name, ${where}`);
  const labels: Record<string, string> = {};
  let i = nameEnd;
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const eq = line.indexOf('=', i);
      const labelName = line.slice(i, eq);
      if (eq < 0 || !labelNameRe.test(labelName) || line[eq + 1] !== '"')
        throw new Error(`bad label, ${where}`);
      let value = '';
      let j = eq + 2;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\') {
          const escaped = line[++j];
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new Error(`bad escape, ${where}`);
        } else value += line[j];
      }
      if (j >= line.length) throw new Error(`unterminated label value, ${where}`);
      if (labelName in labels) throw new Error(`label twice, ${where}`);
      labels[labelName] = value;
      i = j + 1;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`bad label list, ${where}`);
    }
    i++;
  }
  const parts = line.slice(i).split(' ');
  if (parts[0] !== '' || parts.length < 2 || parts.length > 3) throw new Error(`bad value part, ${where}`);
  const value = parseValue(parts[1] ?? '', where);
  if (parts[2] !== undefined && !/^-?\d+$/.test(parts[2])) throw new Error(`bad timestamp, ${where}`);
  return { name, labels, value };
}

function parseValue(text: string, where: string): number {
  // As Prometheus reads them (Go's ParseFloat): the special values in any case (prom-client writes `Nan`).
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value, ${where}`);
  return Number(text);
}

function checkHistogram(family: Family): void {
  const series = new Map<string, { le: number; value: number }[]>();
  const counts = new Map<string, number>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (sample.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
      const list = series.get(key) ?? [];
      list.push({ le: le === '+Inf' ? Infinity : Number(le), value: sample.value });
      series.set(key, list);
    } else if (sample.name.endsWith('_count')) counts.set(key, sample.value);
  }
  for (const [key, buckets] of series) {
    for (let k = 1; k < buckets.length; k++) {
      if (buckets[k]!.le <= buckets[k - 1]!.le || buckets[k]!.value < buckets[k - 1]!.value)
        throw new Error(`${family.name} ${key}: buckets out of order`);
    }
    const last = buckets.at(-1);
    if (last?.le !== Infinity || last.value !== counts.get(key))
      throw new Error(`${family.name} ${key}: the +Inf bucket is not the count`);
  }
}

/** The value of one sample (by exact name and a subset of labels); 0 when absent. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) return sample.value;
    }
  }
  return 0;
}
