/**
 * The data files uhop knows, where they come from and their pinned sha256. Values from the
 * upstream distributions (also used by torchvision and TFDS); the Debian package of
 * Fashion-MNIST recompresses the files, so its sums are listed as known alternates.
 */
export interface CatalogFile {
  /** File name as distributed. */
  name: string;
  sha256: string;
  /** Other sums of the same content in another packaging (e.g. Debian's recompressed .gz). */
  alternates?: Record<string, string>;
}

export interface CatalogDataset {
  name: 'mnist-full' | 'fashion-mnist' | 'cifar10';
  /** Base URL the files are fetched from (`uhop data fetch --mirror` replaces it). */
  url: string;
  /** Files per split, as they lie on disk once fetched. */
  splits: Record<'train' | 'test', CatalogFile[]>;
  /** For archives: what is downloaded and then unpacked into the dataset folder. */
  archive?: CatalogFile;
  /** Subfolders (of `<data dir>/<name>/`) where the split files may lie. */
  subfolders: string[];
  /** How to get the files without uhop, for error messages. */
  alternatives: string[];
}

const idx = (prefix: string, sums: [string, string], alternates?: [string, string]): CatalogFile[] => [
  { name: `${prefix}-images-idx3-ubyte.gz`, sha256: sums[0], ...(alternates ? { alternates: { debian: alternates[0] } } : {}) },
  { name: `${prefix}-labels-idx1-ubyte.gz`, sha256: sums[1], ...(alternates ? { alternates: { debian: alternates[1] } } : {}) },
];

export const catalog: Record<CatalogDataset['name'], CatalogDataset> = {
  'mnist-full': {
    name: 'mnist-full',
    url: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    splits: {
      train: idx('train', [
        '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
        '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
      ]),
      test: idx('t10k', [
        '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
        'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
      ]),
    },
    subfolders: ['', 'raw'],
    alternatives: [],
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    url: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    splits: {
      train: idx(
        'train',
        ['3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84', 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845'],
        ['b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7', '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056'],
      ),
      test: idx(
        't10k',
        ['346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073', '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5'],
        ['cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa', '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05'],
      ),
    },
    subfolders: [''],
    alternatives: ['sudo apt-get install dataset-fashion-mnist   (Debian/Ubuntu; found automatically)'],
  },
  cifar10: {
    name: 'cifar10',
    url: 'https://www.cs.toronto.edu/~kriz/',
    archive: { name: 'cifar-10-binary.tar.gz', sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd' },
    splits: {
      train: [
        { name: 'data_batch_1.bin', sha256: 'cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5' },
        { name: 'data_batch_2.bin', sha256: 'a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed' },
        { name: 'data_batch_3.bin', sha256: 'bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67' },
        { name: 'data_batch_4.bin', sha256: '014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48' },
        { name: 'data_batch_5.bin', sha256: '755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add' },
      ],
      test: [{ name: 'test_batch.bin', sha256: '8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b' }],
    },
    subfolders: ['cifar-10-batches-bin', ''],
    alternatives: ['download cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html and unpack it into <data dir>/cifar10/'],
  },
};

/** How a file's sha256 relates to the pinned values. */
export function checksumStatus(file: CatalogFile, sha256: string): string {
  if (sha256 === file.sha256) return 'ok (pinned)';
  const alternate = Object.entries(file.alternates ?? {}).find(([, sum]) => sum === sha256);
  return alternate ? `ok (${alternate[0]} build)` : 'MISMATCH';
}
