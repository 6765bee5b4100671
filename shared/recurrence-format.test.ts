// The one line the CLI and the studio show about which recurrent layers run on the fused kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRecurrence } from './worker-protocol.js';

test('formatRecurrence', () => {
  const cases: [Parameters<typeof formatRecurrence>, string | null][] = [
    [[[]], null],
    [
      [[{ layer: 'gru', fused: true }], 'WebAssembly SIMD, 2 threads'],
      'Recurrence: fused kernels (WebAssembly SIMD, 2 threads) for gru',
    ],
    [
      [
        [
          { layer: 'bidirectional (forward)', fused: true },
          { layer: 'bidirectional (backward)', fused: true },
        ],
      ],
      'Recurrence: fused kernels for bidirectional (forward), bidirectional (backward)',
    ],
    [
      [
        [
          { layer: 'lstm', fused: false, reason: "masked input (Embedding maskZero) keeps TF.js's path" },
          { layer: 'gru', fused: true },
        ],
        null,
      ],
      "Recurrence: fused kernels for gru; lstm: TF.js op-by-op — masked input (Embedding maskZero) keeps TF.js's path",
    ],
  ];
  for (const [args, expected] of cases) assert.equal(formatRecurrence(...args), expected);
});
