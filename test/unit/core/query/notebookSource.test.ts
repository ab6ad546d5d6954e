/** A notebook's source in its metadata: relative inside the notebook's folder, absolute outside, resolved back to the same path. */
import assert from 'node:assert/strict';
import { notebookSourceValue, resolveNotebookSource } from '../../../../src/core/query/notebookSource';

describe('a notebook’s source', () => {
  it('is stored relative to the notebook’s folder when inside it, and resolves back', () => {
    assert.equal(notebookSourceValue('/work/project/data/monitoring.db', '/work/project'), 'data/monitoring.db');
    assert.equal(resolveNotebookSource('data/monitoring.db', '/work/project'), '/work/project/data/monitoring.db');
    assert.equal(notebookSourceValue('/work/project/notebooks/../data/monitoring', '/work/project/notebooks'), '/work/project/data/monitoring');
  });

  it('is stored absolute outside the folder, for an untitled notebook, or for the folder itself', () => {
    assert.equal(notebookSourceValue('/srv/data/monitoring.db', '/work/project'), '/srv/data/monitoring.db');
    assert.equal(notebookSourceValue('/srv/data/monitoring.db', undefined), '/srv/data/monitoring.db');
    assert.equal(notebookSourceValue('/work/project', '/work/project'), '/work/project');
    assert.equal(notebookSourceValue('/work/project-other/x.db', '/work/project'), '/work/project-other/x.db');
  });

  it('names no source for missing, blank or non-text metadata, or a relative path without a folder', () => {
    assert.equal(resolveNotebookSource(undefined, '/work'), undefined);
    assert.equal(resolveNotebookSource('  ', '/work'), undefined);
    assert.equal(resolveNotebookSource(42, '/work'), undefined);
    assert.equal(resolveNotebookSource('data/x.db', undefined), undefined);
    assert.equal(resolveNotebookSource('/abs/x.db', undefined), '/abs/x.db');
  });

  it('keeps a PostgreSQL URL as it is, wherever the notebook is', () => {
    const url = 'postgres://monitor@db.internal:5432/monitoring?sslmode=require';
    assert.equal(notebookSourceValue(url, '/work/project'), url);
    assert.equal(resolveNotebookSource(url, '/work/project'), url);
    assert.equal(resolveNotebookSource(url, undefined), url);
    assert.equal(resolveNotebookSource('postgres:', '/work/project'), 'postgres:');
  });
});
