/**
 * Counts Content-Security-Policy refusals in a panel from the first moment, on `body` where a test
 * (or a person in the developer tools) reads them: `data-csp-violations` (how many) and
 * `data-csp-details` (the directive and what it refused, one a line). Every panel imports it first.
 */
let violations = 0;
const details: string[] = [];
document.body.dataset.cspViolations = '0';
document.body.dataset.cspDetails = '';
document.addEventListener('securitypolicyviolation', (event) => {
  violations += 1;
  details.push(`${event.effectiveDirective} refused ${event.blockedURI || 'inline'}`);
  document.body.dataset.cspViolations = String(violations);
  document.body.dataset.cspDetails = details.slice(-20).join('\n');
});
