import { readCheckpointConfig, type CheckpointConfig } from '../../config/index.js';
import { PosePortError } from '../../core/errors.js';
import { deepEqualJson } from '../../core/json-equal.js';
import { findZooEntry } from '../../zoo/registry.js';
import type { ModelCheckpoint } from '../checkpoint.js';
import type { ConvertReport } from '../convert.js';
import { resolveSettings, type ResolvedSettings } from '../settings.js';
import { result, type Finding } from './finding.js';
import type { Described } from './format.js';

/** The artifact's value of each setting the metadata records a source for. */
function artifactValue(m: ConvertReport['metadata'], name: string): unknown {
  switch (name) {
    case 'input.size_hw':
      return m.input.size_hw;
    case 'input.normalize':
      return { mean: m.input.mean, std: m.input.std };
    case 'keypoints':
      return { names: m.keypoint_names, flip_pairs: m.flip_pairs, skeleton: m.skeleton, sigmas: m.sigmas ?? null };
    default:
      return name.startsWith('decode.') ? (m.decode as Record<string, unknown>)[name.slice(7)] : undefined;
  }
}

function resolvedValue(s: ResolvedSettings, name: string): unknown {
  switch (name) {
    case 'input.size_hw':
      return s.inputSizeHW;
    case 'input.normalize':
      return s.normalize;
    case 'keypoints':
      return { names: s.keypoints.names, flip_pairs: s.keypoints.flipPairs, skeleton: s.keypoints.skeleton, sigmas: s.keypoints.sigmas };
    default:
      return name.startsWith('decode.') ? (s.decode as Record<string, unknown>)[name.slice(7)] : undefined;
  }
}

/**
 * config-settings: every setting the artifact's metadata says came from the checkpoint's
 * config is resolved again from the checkpoint's config now (same flags and zoo row as
 * recorded) and must be equal. One finding per setting (subject the setting; detail the
 * config field, the value it gives now and the artifact's). Artifacts that record no
 * sources (written before settings had them) pass with that said.
 */
export function configSettingsCheck(ckpt: ModelCheckpoint, report: ConvertReport): Described {
  const m = report.metadata;
  const sources = m.sources;
  if (!sources) return { result: result('config-settings', []), describe: () => 'the artifact records no setting sources (converted before they were recorded): nothing to compare' };
  const fromConfig = Object.entries(sources).filter(([, s]) => s.from === 'config').map(([k]) => k);
  let cfg: CheckpointConfig | null;
  try {
    cfg = readCheckpointConfig(ckpt.meta);
  } catch (e) {
    if (!(e instanceof PosePortError)) throw e;
    const why = e.message;
    return { result: result('config-settings', [{ check: 'config-settings', ok: false, subject: 'config', reason: 'unreadable', measured: why }]), describe: () => why };
  }
  const zoo = m.zoo ? findZooEntry(m.zoo.name) : undefined;
  let now: ResolvedSettings;
  try {
    now = resolveSettings({
      family: m.family,
      numKeypoints: report.num_keypoints,
      file: ckpt.path,
      inputSizeFlag: sources['input.size_hw']?.from === 'flag' ? m.input.size_hw : undefined,
      zoo,
      config: cfg,
    });
  } catch (e) {
    if (!(e instanceof PosePortError)) throw e;
    const why = e.message;
    return { result: result('config-settings', [{ check: 'config-settings', ok: false, subject: 'config', reason: 'unresolvable', measured: why }]), describe: () => why };
  }
  const findings: Finding[] = [];
  for (const name of Object.keys(sources)) {
    const want = artifactValue(m, name);
    const got = resolvedValue(now, name);
    const recorded = sources[name];
    const nowFrom = now.sources[name];
    const same = deepEqualJson(got, want) && nowFrom?.from === recorded.from;
    if (same && recorded.from !== 'config') continue;
    findings.push({
      check: 'config-settings',
      ok: same,
      subject: name,
      ...(same ? {} : { reason: 'differs' }),
      detail: { field: nowFrom ? `${nowFrom.from}: ${nowFrom.detail}` : '(none)', got: JSON.stringify(got) ?? '(none)', want: JSON.stringify(want) ?? '(none)', recorded: `${recorded.from}: ${recorded.detail}` },
    });
  }
  return {
    result: result('config-settings', findings, { settings: fromConfig.length }),
    describe: (r) => {
      const bad = r.findings.filter((f) => !f.ok);
      if (bad.length === 0)
        return fromConfig.length
          ? `${fromConfig.length} settings from the checkpoint's config (${fromConfig.join(', ')}) still read the same`
          : `no setting came from the checkpoint's config (flags, zoo row or defaults), and those still resolve the same`;
      return bad.map((f) => `${f.subject}: the checkpoint now gives ${f.detail!.got} (${f.detail!.field}), the artifact has ${f.detail!.want} (${f.detail!.recorded})`).join('; ');
    },
  };
}
