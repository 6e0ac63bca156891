/** The event names the sandbox emits, as lexamica-api.md §5 spells them (documented or profile default). */
export const EVENTS = {
  invitationSent: 'Case Invitation Sent',
  invitationAccepted: 'Case Invitation Accepted',
  invitationDeclined: 'Case Invitation Declined',
  invitationEvaluated: 'Case Invitation Evaluated',
  invitationCancelled: 'Case Invitation Cancelled',
  invitationExpired: 'Case Invitation Expired',
  invitationClosed: 'Case Invitation Closed',
  invitationContactAttempted: 'Case Invitation Contact Attempted',
  invitationConsultComplete: 'Case Invitation Consult Complete',
  caseUpdateMade: 'Case Update Made',
  fileUploaded: 'Case File Uploaded',
} as const;
