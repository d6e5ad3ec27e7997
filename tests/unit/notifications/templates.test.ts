import { describe, expect, it } from 'vitest';
import { DEFAULT_SUBJECT, EVENT_VARIABLES, MissingVariableError, renderMail, splitSubject, templateProblems } from '../../../shared/notifications/templates.ts';

const values = {
  space_name: '20211227125_Demo',
  space_id: 'sp1',
  space_path: 'datasets/20211227125_Demo',
  onezone_url: 'https://zone.example.org',
  public_url: 'https://zone.example.org/share/abc',
  invite_token: 'TOKEN-123',
  now: '04. 12. 2026 15:00 UTC',
};

describe('mail templates', () => {
  it('every shipped template uses only variables its event supplies', () => {
    expect(templateProblems()).toEqual([]);
  });

  it('renders the dataset-ready mail in English with the link, the token and how to join', () => {
    const m = renderMail('dataset ready', 'en', values);
    expect(m.subject).toBe('Your dataset 20211227125_Demo is ready in Onedata');
    expect(m.text).toContain('https://zone.example.org/share/abc');
    expect(m.text).toContain('TOKEN-123');
    expect(m.text).toMatch(/Consume token/);
    expect(m.html).toContain('<pre>TOKEN-123</pre>');
    expect(m.text).not.toContain('$');
  });

  it('renders Slovak and falls back to English for a language without templates', () => {
    expect(renderMail('dataset ready', 'sk', values).subject).toBe('Váš dataset 20211227125_Demo je pripravený v Onedata');
    expect(renderMail('dataset ready', 'de', values).subject).toBe('Your dataset 20211227125_Demo is ready in Onedata');
  });

  it('refuses to render without every variable of the event', () => {
    const { invite_token: _, ...missing } = values;
    expect(() => renderMail('dataset ready', 'en', missing)).toThrow(MissingVariableError);
    expect(EVENT_VARIABLES['dataset ready']).toContain('invite_token');
  });

  it('escapes values in HTML and keeps control characters (header injection) out of the subject', () => {
    const m = renderMail('dataset ready', 'en', { ...values, space_name: 'A<script>\r\nBcc: x@evil' });
    expect(m.html).toContain('A&lt;script&gt;');
    expect(m.html).not.toContain('<script>');
    expect(m.subject).not.toMatch(/[\r\n]/);
  });

  it("applies fs2od's subject rule: line 1 only when line 2 is blank", () => {
    expect(splitSubject('Hello\n\nbody')).toEqual(['Hello', 'body']);
    expect(splitSubject('Hello\nbody')).toEqual([DEFAULT_SUBJECT, 'Hello\nbody']);
  });
});
