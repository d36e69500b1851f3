// What the logged-in operator's role and approval limit allow, so that pages offer only those
// actions (the hub decides again on every request: this only spares the operator a refusal).

// Roles in rank order: each may do what those before it may (docs/api.md, "Roles").
const kRoleRank = ['viewer', 'counter-lead', 'approver', 'admin'];

export function roleAtLeast(session, role) {
  return kRoleRank.indexOf(session.role) >= kRoleRank.indexOf(role);
}

// Whether the session may approve this discrepancy (as listed): an approver or higher, within its
// approval limit (null: none), in a state that waits for an operator's approval or review.
export function mayApprove(session, discrepancy) {
  return roleAtLeast(session, 'approver') &&
         ['awaiting_approval', 'awaiting_review'].includes(discrepancy.state) &&
         (session.approval_limit_cents === null || Math.abs(discrepancy.value_cents) <= session.approval_limit_cents);
}
