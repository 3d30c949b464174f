import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactPath, redactUnknownParams } from '../../src/api/terminals/journal-redaction.js';
import { requestParams } from '../../src/api/terminals/screen.js';

describe('terminal journal: an allowlist of the OSMP parameters', () => {
  it('keeps the protocol\'s parameters verbatim and redacts the configured secret', () => {
    assert.equal(
      redactPath('/v1/terminals/qiwi?command=pay&txn_id=1234567&txn_date=20050815120133&account=4957835959&sum=10.45&secret=hunter2'),
      '/v1/terminals/qiwi?command=pay&txn_id=1234567&txn_date=20050815120133&account=4957835959&sum=10.45&secret=[redacted]',
    );
  });

  it('redacts a secret sent to an unknown network, whose secret parameter nobody configured', () => {
    assert.equal(
      redactPath('/v1/terminals/no-such-network?command=check&txn_id=1&account=42&token=s3cr3t&password=pw'),
      '/v1/terminals/no-such-network?command=check&txn_id=1&account=42&token=[redacted]&password=[redacted]',
    );
  });

  it('decodes names as the parser does: a percent-encoded or plus-spelled name is no way around it', () => {
    const query = '%73ecret=hunter2&sec%72et=hunter3&my+key=v&%E2%9C%93=v';
    // What the protocol code reads from it: the secret under its plain name (the query's first one wins).
    assert.equal(requestParams(`http://x/t?${query}`, 'GET', undefined, '').secret, 'hunter2');
    assert.equal(redactUnknownParams(query), '%73ecret=[redacted]&sec%72et=[redacted]&my+key=[redacted]&%E2%9C%93=[redacted]');
  });

  it('keeps a known parameter however its name is encoded, and its value as it came', () => {
    assert.equal(redactUnknownParams('%63ommand=check&account=a%20b+c&sum=10.45'), '%63ommand=check&account=a%20b+c&sum=10.45');
  });

  it('redacts every repeat of a name, keeps order, empty pairs and bare names', () => {
    assert.equal(redactUnknownParams('secret=a&&txn_id=7&secret=b&flag&x='), 'secret=[redacted]&&txn_id=7&secret=[redacted]&flag&x=[redacted]');
  });

  it('redacts a value that holds "=" whole, and a name that only looks like a known one', () => {
    assert.equal(redactUnknownParams('secret=a=b&?sum=1&Sum=2&sum_x=3'), 'secret=[redacted]&?sum=[redacted]&Sum=[redacted]&sum_x=[redacted]');
  });

  it('leaves a path without a query, and an empty body, as they are', () => {
    assert.equal(redactPath('/v1/terminals/qiwi'), '/v1/terminals/qiwi');
    assert.equal(redactPath('/v1/terminals/qiwi?'), '/v1/terminals/qiwi?');
    assert.equal(redactUnknownParams(''), '');
  });

  it('redacts a form body, a cut-off last pair included', () => {
    assert.equal(redactUnknownParams('command=check&txn_id=9&account=1&secret=hun'), 'command=check&txn_id=9&account=1&secret=[redacted]');
  });
});
