import { describe, expect, it } from 'vitest';
import { specError } from '../../testing/catch-spec-error';
import { groupByClass } from './folder-layout';

const folder = { where: '/data/pets', field: 'tasks.path', skipTopFolder: false };
const zip = { where: '/data/pets.zip', field: 'tasks.path', skipTopFolder: true };

describe('groupByClass', () => {
  it('groups <class>/<image> by folder, classes and files in code-unit order', () => {
    const classes = groupByClass(['dog/b.jpg', 'cat/Z.png', 'Dog/a.png', 'cat/a.png', 'dog/a.PNG', 'cat/10.jpg', 'cat/9.jpg'], folder);
    expect(classes).toEqual([
      { name: 'Dog', files: ['Dog/a.png'] },
      { name: 'cat', files: ['cat/10.jpg', 'cat/9.jpg', 'cat/Z.png', 'cat/a.png'] },
      { name: 'dog', files: ['dog/a.PNG', 'dog/b.jpg'] },
    ]);
  });

  it('skips one top folder of a zip, but not of a folder', () => {
    const paths = ['pets/cat/a.png', 'pets/dog/b.png'];
    expect(groupByClass(paths, zip)).toEqual([
      { name: 'cat', files: ['pets/cat/a.png'] },
      { name: 'dog', files: ['pets/dog/b.png'] },
    ]);
    expect(groupByClass(['cat/a.png', 'dog/b.png'], zip).map((c) => c.name)).toEqual(['cat', 'dog']);
    const deeper = specError(() => groupByClass(paths, folder));
    expect(deeper.message).toBe(
      'tasks.path: pets/cat/a.png in /data/pets is in a folder inside class folder pets; the layout is <class>/<image>, one folder per class' +
        ' (every image is one folder deeper: point tasks.path at /data/pets/pets?)',
    );
  });

  it('refuses an image outside a class folder or nested inside one, naming it', () => {
    expect(specError(() => groupByClass(['cat/a.png', 'stray.jpg'], folder)).message).toBe(
      'tasks.path: stray.jpg in /data/pets is not in a class folder; the layout is <class>/<image>',
    );
    const nested = specError(() => groupByClass(['pets/cat/a.png', 'pets/cat/kittens/b.png'], { ...zip, field: 'tasks.testPath' }));
    expect(nested.field).toBe('tasks.testPath');
    expect(nested.reason).toMatch(/^pets\/cat\/kittens\/b\.png in \/data\/pets\.zip is in a folder inside class folder cat;/);
    expect(nested.reason).not.toContain('point');
  });

  it('is empty for no images', () => {
    expect(groupByClass([], zip)).toEqual([]);
  });
});
