import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverride, loadConfig, parseOverride, readConfigFile, validateConfig } from '../src/config/load.ts';
import { resolveConfig } from '../src/config/parity.ts';
import { configJsonSchema } from '../src/config/schema.ts';
import { UserError } from '../src/errors.ts';
import { withReference } from '../scripts/update-readme.ts';
import { unusedSettings } from '../src/config/unused.ts';

test('--set values are parsed as JSON when they can be, else kept as strings', () => {
  assert.deepEqual(parseOverride('seeds=3'), { path: ['seeds'], value: 3 });
  assert.deepEqual(parseOverride('memories=[10,100]'), { path: ['memories'], value: [10, 100] });
  assert.deepEqual(parseOverride('name=my-run'), { path: ['name'], value: 'my-run' });
  assert.deepEqual(parseOverride('featureMap.epochs=5'), { path: ['featureMap', 'epochs'], value: 5 });
  assert.deepEqual(parseOverride('corruption={"type":"none"}'), { path: ['corruption'], value: { type: 'none' } });
  assert.deepEqual(parseOverride('description=a=b'), { path: ['description'], value: 'a=b' });
  assert.throws(() => parseOverride('novalue'), UserError);
  assert.throws(() => parseOverride('a..b=1'), UserError);
});

test('overrides write nested fields and array elements without touching the original', () => {
  const original = { featureMap: { epochs: 100 }, models: [{ name: 'a' }, { name: 'b' }] };
  const changed = applyOverride(applyOverride(original, ['featureMap', 'lr'], 2), ['models', '1', 'name'], 'c');
  assert.deepEqual(changed, { featureMap: { epochs: 100, lr: 2 }, models: [{ name: 'a' }, { name: 'c' }] });
  assert.deepEqual(original.models[1], { name: 'b' });
  assert.deepEqual(applyOverride({}, ['retrieval', 'beta'], 0.5), { retrieval: { beta: 0.5 } });
});

test('config errors name the path of every problem; unknown keys are errors', () => {
  const bad = { name: 'x', memories: [10, 1], models: [{ name: 'a', colour: 'red' }], featureMap: { epochs: 'many' } };
  try {
    validateConfig(bad, 'bad.json');
    assert.fail('expected a UserError');
  } catch (error) {
    assert.ok(error instanceof UserError);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /bad\.json/);
    assert.match(error.message, /memories\.1: /);
    assert.match(error.message, /models\.0: .*colour/);
    assert.match(error.message, /featureMap\.epochs: /);
  }
  assert.throws(() => validateConfig({ name: 'x', memories: [10], models: [{ name: 'a' }, { name: 'a' }] }, 'c'), /duplicate/);
  assert.throws(() => validateConfig({ name: 'x', memories: [10], models: [{ name: 'a', degree: 3 }] }, 'c'), /models\.0\.degree/);
});

test('parity fills unset switches; explicit switches win', () => {
  const base = { name: 'x', memories: [10], models: [{ name: 'a' }] };
  const official = resolveConfig(validateConfig({ ...base, parity: 'official' }, 'c'));
  assert.equal(official.retrieval.betaPlacement, 'output');
  assert.equal(official.retrieval.distanceSign, 'positive');
  assert.equal(official.featureMap.trainOn, 'first-half');
  assert.equal(official.featureMap.lrSchedule, 'constant', 'the official max-loss trainer keeps lr constant');
  assert.equal(official.featureMap.lr, 10);
  const average = resolveConfig(validateConfig({ ...base, parity: 'official', featureMap: { loss: 'average' } }, 'c'));
  assert.equal(average.featureMap.lrSchedule, 'inverse-sqrt-factorial');
  assert.equal(average.featureMap.lr, 1);
  const textbook = resolveConfig(validateConfig({ ...base, retrieval: { distanceSign: 'positive' } }, 'c'));
  assert.equal(textbook.parity, 'textbook');
  assert.equal(textbook.retrieval.betaPlacement, 'logits');
  assert.equal(textbook.retrieval.distanceSign, 'positive');
  assert.equal(textbook.featureMap.trainOn, 'all');
  assert.deepEqual(textbook.seeds, [1]);
  assert.deepEqual(resolveConfig(validateConfig({ ...base, seeds: 3 }, 'c')).seeds, [1, 2, 3]);
});

test('configs/mnist.yaml is the same experiment as configs/mnist.json', () => {
  const fromJson = loadConfig('configs/mnist.json');
  const fromYaml = loadConfig('configs/mnist.yaml');
  assert.deepEqual({ ...fromYaml, $schema: undefined }, { ...fromJson, $schema: undefined });
  assert.deepEqual(fromJson.memories, [10, 20, 50, 100, 200, 500]);
  assert.equal(fromJson.seeds.length, 10);
});

test('every shipped config validates', () => {
  for (const file of ['configs/mnist.json', 'configs/mnist.yaml', 'configs/mnist-textbook.json']) {
    assert.doesNotThrow(() => validateConfig(readConfigFile(file), file), file);
  }
});

test('uhop.schema.json and the README config reference are in sync with the zod schema', () => {
  assert.deepEqual(JSON.parse(readFileSync('uhop.schema.json', 'utf8')), configJsonSchema(), 'run: npx uhop schema > uhop.schema.json');
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(withReference(readme), readme, 'run: npm run docs');
});

test('a set field that another setting keeps from taking effect is an error naming both fields', () => {
  const base = { name: 'x', memories: [10], models: [{ name: 'a' }] };
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ queries: { count: 5 } }, /queries\.count: only used with queries\.from "pool" or "test"; queries\.from is "memories"/],
    [{ queries: { from: 'pool', count: 5 }, dataset: { name: 'mnist', queryIndices: [1, 2] } }, /queries\.count: the queries are the 2 pinned dataset\.queryIndices/],
    [{ queries: { from: 'test' } }, /queries\.from: "test" needs a dataset with a test split .*dataset\.name is "mnist"/],
    [{ queries: { from: 'test' }, dataset: { name: 'mnist-full', split: 'test' } }, /queries\.from: .*dataset\.split "test"/],
    [{ dataset: { name: 'mnist', balanced: true, indices: [1, 2, 3] } }, /dataset\.balanced: .*dataset\.indices/],
    [{ dataset: { name: 'cifar10', grayscale: true, layout: 'hwc' } }, /dataset\.layout: .*dataset\.grayscale: true/],
    [{ featureMap: { tau: 0.2 } }, /featureMap\.tau: only used with featureMap\.loss "uhop-plus"; featureMap\.loss is "max"/],
    [{ featureMap: { loss: 'average', lossForm: 'coded' } }, /featureMap\.lossForm: .*featureMap\.loss is "average"/],
    [{ featureMap: { init: 'kaiming-normal', initStd: 2 } }, /featureMap\.initStd: only used with featureMap\.init "normal"/],
    [{ retrieval: { tolerance: 1e-3 } }, /retrieval\.tolerance: .*retrieval\.steps is 1/],
    [
      { models: [{ name: 'U', featureMap: true }, { name: 'T', control: 'temperature-matched', beta: 3 }] },
      /models\.1\.beta: control "temperature-matched" sets β per cell/,
    ],
    [{ models: [{ name: 'N', featureMap: true, control: 'normalized', similarity: 'l1' }] }, /models\.0\.similarity: control "normalized"/],
  ];
  for (const [extra, message] of cases) {
    assert.throws(() => validateConfig({ ...base, ...extra }, 'c.json'), (e: unknown) => e instanceof UserError && message.test(e.message), JSON.stringify(extra));
  }
  // the same fields where they do take effect
  assert.doesNotThrow(() => validateConfig({ ...base, queries: { from: 'pool', count: 5 } }, 'c'));
  assert.doesNotThrow(() => validateConfig({ ...base, queries: { from: 'pool' }, dataset: { name: 'mnist', queryIndices: [1] } }, 'c'));
  assert.doesNotThrow(() => validateConfig({ ...base, featureMap: { loss: 'uhop-plus', tau: 0.2, lossForm: 'coded' } }, 'c'));
  assert.doesNotThrow(() => validateConfig({ ...base, retrieval: { steps: 3, tolerance: 1e-3 } }, 'c'));
});

test('settings of a part no model uses stay allowed and are listed as unused', () => {
  const raw = { name: 'x', memories: [10], models: [{ name: 'a' }], featureMap: { epochs: 3 }, retrieval: { distanceSign: 'positive' } };
  const config = validateConfig(raw, 'c');
  assert.deepEqual(unusedSettings(raw, config), ['featureMap: no model has featureMap: true', 'retrieval.distanceSign: no model scores by an l1 or l2 distance']);
  const used = { ...raw, models: [{ name: 'a', featureMap: true, similarity: 'l1' }] };
  assert.deepEqual(unusedSettings(used, validateConfig(used, 'c')), []);
});

test('a name that would put the results outside results/ ("." or "..") is refused', () => {
  const base = { memories: [10], models: [{ name: 'a' }] };
  for (const name of ['.', '..']) {
    assert.throws(() => validateConfig({ ...base, name }, 'c'), (e: unknown) => e instanceof UserError && /name: must name a folder inside results\//.test(e.message), name);
  }
  for (const name of ['...', 'a.b', '.hidden']) assert.doesNotThrow(() => validateConfig({ ...base, name }, 'c'), name);
});

test('--set and config files refuse __proto__, prototype and constructor keys; nothing is polluted', () => {
  for (const assignment of ['models.__proto__.x=1', '__proto__.x=1', 'featureMap.constructor.prototype.x=1', 'a.prototype=1', 'featureMap={"__proto__":{"x":1}}', 'models=[{"name":"a","constructor":1}]']) {
    assert.throws(() => parseOverride(assignment), (e: unknown) => e instanceof UserError && /__proto__|prototype|constructor/.test(e.message), assignment);
  }
  assert.throws(() => applyOverride({ models: [{ name: 'a' }] }, ['models', '__proto__', 'x'], 1), UserError);
  assert.throws(() => applyOverride({ models: [{ name: 'a' }] }, ['models', 'length'], 0), /models is a list; address an entry by its index/);
  assert.equal(([] as unknown as Record<string, unknown>).x, undefined, 'Array.prototype untouched');
  assert.equal(({} as Record<string, unknown>).x, undefined, 'Object.prototype untouched');
  const dir = mkdtempSync(join(tmpdir(), 'uhop-config-'));
  writeFileSync(join(dir, 'p.json'), '{"name":"x","memories":[10],"models":[{"name":"a"}],"__proto__":{"x":1}}');
  writeFileSync(join(dir, 'p.yaml'), 'name: x\nmemories: [10]\nmodels:\n  - name: a\n    constructor: 1\n');
  assert.throws(() => readConfigFile(join(dir, 'p.json')), /the key "__proto__" is not allowed/);
  assert.throws(() => readConfigFile(join(dir, 'p.yaml')), /the key "models\.0\.constructor" is not allowed/);
});

test('issues are grouped under the config file or the --set that made the value', () => {
  const raw = applyOverride({ name: 'x', memories: [10], models: [{ name: 'a', colour: 'red' }] }, ['seeds'], 'three');
  try {
    validateConfig(raw, 'c.json', ['seeds=three']);
    assert.fail('expected a UserError');
  } catch (error) {
    assert.ok(error instanceof UserError);
    assert.equal(
      error.message,
      'invalid config c.json:\n  - models.0: Unrecognized key: "colour"\ninvalid --set seeds=three:\n  - seeds: a seed range is written "a..b", e.g. "1..10"',
    );
  }
});
