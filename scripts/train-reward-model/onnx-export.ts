/**
 * Serialises an embedding-bag classifier to an ONNX ModelProto with onnx-proto (protobufjs), laid out like an
 * Optimum sequence-classification export: inputs `input_ids` and `attention_mask` (int64, [batch_size,
 * sequence_length]), optionally `token_type_ids`, and output `logits` ([batch_size, labels]).
 *
 * Graph: logits = W2 · act(W1 · masked_mean(E[input_ids] (+ T[token_type_ids])) + b1) + b2.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export interface BagOfWordsWeights {
  /** Token embeddings, row-major [rows, width]. */
  readonly embeddings: Float32Array;
  readonly embeddingRows: number;
  readonly width: number;
  /** Hidden layer, row-major [width, hidden], and its bias [hidden]. */
  readonly hiddenWeights: Float32Array;
  readonly hiddenBias: Float32Array;
  readonly hidden: number;
  /** Output layer, row-major [hidden, labels], and its bias [labels]. */
  readonly outputWeights: Float32Array;
  readonly outputBias: Float32Array;
  readonly labels: number;
  /** Token-type embeddings [2, width]; when present the graph takes a `token_type_ids` input. */
  readonly tokenTypeEmbeddings?: Float32Array;
  /** @default 'Tanh' */
  readonly activation?: 'Tanh' | 'Relu';
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function floatTensor(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  if (values.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`Tensor \`${name}\`: ${values.length} values for shape [${dims.join(', ')}]`);
  // raw_data is little-endian; copy so the tensor does not alias a larger buffer.
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return { name, dims, dataType: FLOAT, rawData: bytes };
}

const int64Tensor = (name: string, values: number[]): onnxProto.onnx.ITensorProto => ({ name, dims: [values.length], dataType: INT64, int64Data: values });

function tensorInput(name: string, elemType: number, dims: Array<string | number>): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })) } } },
  };
}

const node = (opType: string, input: string[], output: string[], attribute: onnxProto.onnx.IAttributeProto[] = []): onnxProto.onnx.INodeProto => ({
  opType, input, output, name: output[0], attribute,
});

export function exportBagOfWordsOnnx(weights: BagOfWordsWeights, producerVersion = '0.1.0'): Uint8Array {
  const { width, hidden, labels } = weights;
  const sequence = ['batch_size', 'sequence_length'];
  const inputs = [tensorInput('input_ids', INT64, sequence), tensorInput('attention_mask', INT64, sequence)];
  const nodes: onnxProto.onnx.INodeProto[] = [node('Gather', ['embeddings', 'input_ids'], ['token_vectors'], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }])];
  const initializers = [
    floatTensor('embeddings', [weights.embeddingRows, width], weights.embeddings),
    floatTensor('hidden.weight', [width, hidden], weights.hiddenWeights),
    floatTensor('hidden.bias', [hidden], weights.hiddenBias),
    floatTensor('classifier.weight', [hidden, labels], weights.outputWeights),
    floatTensor('classifier.bias', [labels], weights.outputBias),
    floatTensor('one', [1], new Float32Array([1])),
    int64Tensor('axis_sequence', [1]),
    int64Tensor('axis_feature', [2]),
  ];
  let vectors = 'token_vectors';
  if (weights.tokenTypeEmbeddings) {
    inputs.push(tensorInput('token_type_ids', INT64, sequence));
    initializers.push(floatTensor('token_type_embeddings', [2, width], weights.tokenTypeEmbeddings));
    nodes.push(node('Gather', ['token_type_embeddings', 'token_type_ids'], ['type_vectors'], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]));
    nodes.push(node('Add', ['token_vectors', 'type_vectors'], ['typed_vectors']));
    vectors = 'typed_vectors';
  }
  const keepDims = { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 };
  nodes.push(
    node('Cast', ['attention_mask'], ['mask'], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }]),
    node('Unsqueeze', ['mask', 'axis_feature'], ['mask_column']),
    node('Mul', [vectors, 'mask_column'], ['masked_vectors']),
    node('ReduceSum', ['masked_vectors', 'axis_sequence'], ['vector_sum'], [keepDims]),
    node('ReduceSum', ['mask_column', 'axis_sequence'], ['token_count'], [keepDims]),
    // An all-padding row would divide by zero; its sum is 0 anyway, so dividing by 1 gives a zero vector.
    node('Max', ['token_count', 'one'], ['safe_count']),
    node('Div', ['vector_sum', 'safe_count'], ['pooled']),
    node('MatMul', ['pooled', 'hidden.weight'], ['hidden_linear']),
    node('Add', ['hidden_linear', 'hidden.bias'], ['hidden_preactivation']),
    node(weights.activation ?? 'Tanh', ['hidden_preactivation'], ['hidden_state']),
    node('MatMul', ['hidden_state', 'classifier.weight'], ['logits_linear']),
    node('Add', ['logits_linear', 'classifier.bias'], ['logits']),
  );
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 8,
    producerName: 'reward-router',
    producerVersion,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'bag_of_words_reward_model',
      node: nodes,
      initializer: initializers,
      input: inputs,
      output: [tensorInput('logits', FLOAT, ['batch_size', labels])],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
