/**
 * The fields each built-in config type accepts, in one place: the config validator uses them to list every
 * unknown field of every model at once (with a "did you mean"), and each adapter's `fromConfig` checks against the
 * same lists, so the two can never disagree. A type registered with `registerAdapter` checks its own fields.
 */
export const ONNX_FIELDS = [
  'id', 'type', 'path', 'file', 'template', 'label', 'maxLength', 'backend', 'executionProviders',
  'intraOpNumThreads', 'interOpNumThreads', 'allowSpinning', 'tokenizerThreads', 'maxBatchSize', 'concurrency', 'timeoutMs',
] as const;

export const LEXICON_CONFIG_FIELDS = ['id', 'type', 'name', 'field', 'template', 'extras', 'maxBatchSize', 'concurrency'] as const;

export const HTTP_COMMON_FIELDS = ['id', 'type', 'protocol', 'url', 'template', 'timeoutMs', 'maxBatchSize', 'concurrency', 'retries', 'headers', 'apiKeyEnv', 'apiKey'] as const;
export const HTTP_PROTOCOL_FIELDS = {
  openrlhf: ['scoreKey'],
  'vllm-classify': ['model', 'classIndex', 'negativeClassIndex', 'useActivation'],
  tei: ['label', 'negativeLabel', 'rawScores', 'truncate'],
} as const satisfies Record<string, readonly string[]>;

export const HUGGINGFACE_COMMON_FIELDS = ['id', 'type', 'mode', 'endpointUrl', 'provider', 'model', 'accessToken', 'accessTokenEnv', 'timeoutMs', 'concurrency', 'retries'] as const;
export const HUGGINGFACE_MODE_FIELDS = {
  classification: ['template', 'label', 'negativeLabel', 'functionToApply', 'chatTemplate', 'tokenizerConfig'],
  judge: ['judgePrompt', 'min', 'max', 'maxTokens'],
} as const satisfies Record<string, readonly string[]>;

export interface AllowedFields {
  /** Fields this entry may have. */
  readonly allowed: readonly string[];
  /** For a field that belongs to another protocol or mode of the same type: a note saying which. */
  readonly elsewhere: (field: string) => string | undefined;
}

function variants(common: readonly string[], byVariant: Record<string, readonly string[]>, key: string, chosen: string, fallback: string): AllowedFields {
  const variant = Object.hasOwn(byVariant, chosen) ? chosen : fallback;
  return {
    allowed: [...common, ...byVariant[variant]],
    elsewhere: (field) => {
      const owners = Object.keys(byVariant).filter((name) => name !== variant && byVariant[name].includes(field));
      return owners.length === 0 ? undefined : `\`${field}\` belongs to ${key} ${owners.map((name) => `"${name}"`).join(' or ')}, not "${variant}"`;
    },
  };
}

/** The fields a built-in type accepts (for http and huggingface, given the entry's protocol or mode), or undefined for other types. */
export function allowedFields(entry: Readonly<Record<string, unknown>>): AllowedFields | undefined {
  const none = () => undefined;
  switch (entry.type) {
    case 'onnx':
      return { allowed: ONNX_FIELDS, elsewhere: none };
    case 'lexicon':
      return { allowed: LEXICON_CONFIG_FIELDS, elsewhere: none };
    case 'http':
      // Without a valid protocol every protocol's fields are allowed here; the protocol itself is reported.
      return typeof entry.protocol === 'string' && Object.hasOwn(HTTP_PROTOCOL_FIELDS, entry.protocol)
        ? variants(HTTP_COMMON_FIELDS, HTTP_PROTOCOL_FIELDS, 'protocol', entry.protocol, 'openrlhf')
        : { allowed: [...HTTP_COMMON_FIELDS, ...Object.values(HTTP_PROTOCOL_FIELDS).flat()], elsewhere: none };
    case 'huggingface':
      return variants(HUGGINGFACE_COMMON_FIELDS, HUGGINGFACE_MODE_FIELDS, 'mode', typeof entry.mode === 'string' ? entry.mode : 'classification', 'classification');
    default:
      return undefined;
  }
}
