import { describe, expect, it } from 'vitest';
import { safeLink } from './links';

describe('links from messages', () => {
  it('opens https pages as they are and nothing but https and mail', () => {
    expect(safeLink('https://acme.example/brief?x=1')).toBe('https://acme.example/brief?x=1');
    expect(safeLink('http://acme.example/')).toBeNull();
    expect(safeLink('javascript:alert(1)')).toBeNull();
    expect(safeLink('file:///etc/passwd')).toBeNull();
    expect(safeLink('not a link')).toBeNull();
  });

  // Audit defect 10: `mailto:` links kept `?attach=` and other parameters.
  it('keeps only the address, subject and body of a mailto link', () => {
    expect(safeLink('mailto:jane@acme.example?subject=Brief&attach=/home/me/.ssh/id_rsa&cc=evil@x.example&body=Hi there')).toBe(
      'mailto:jane@acme.example?subject=Brief&body=Hi%20there',
    );
    expect(safeLink('mailto:jane@acme.example?Attach=%2Fetc%2Fshadow')).toBe('mailto:jane@acme.example');
    expect(safeLink('mailto:jane@acme.example')).toBe('mailto:jane@acme.example');
  });
});
