package portorder

// RejectCode is one reason a losing SP may give (or try to give) for
// rejecting a port order.
type RejectCode struct {
	// Code is stable and machine readable.
	Code  string `json:"code"`
	Title string `json:"title"`
	// Fix is what the end user or the gaining SP should do; for a reason
	// that is not permitted, what to tell the losing SP.
	Fix string `json:"fix"`
	// Permitted says whether a losing SP may reject for this reason. Under
	// FCC (US, toll-free) and CRTC/CCTS (Canada) rules the only reasons are
	// end-user information that does not match the losing carrier's record
	// and, for local numbers, a number not in service (seed 002 lines
	// 264-272). Reject refuses the others.
	Permitted bool `json:"permitted"`
	// Field is the order field (JSON path) to correct, or "".
	Field string `json:"field,omitempty"`
}

// Rejection codes. Each reason of the VoIP.ms "Port Rejection" article
// (seed 002 lines 346-475) has one: Abbreviations and Mismatch Information
// (CodeName, CodeBusinessName, CodeAddress, CodePOBox, CodePostalCode), SMS
// Not Answered (CodeApprovalTimeout), Disconnected / Inactive Numbers
// (CodeTNNotActive, CodeAccountNotActive), Incorrect BTN (CodeBTN), Hunt
// Members / Stranded Services (CodeHuntGroup, CodePartialPort), Account
// Number, Reseller Mismatch (CodeAccountNumber, CodeReseller), Partial Port
// (CodePartialPort), Freeze on the Account, Pending Order (CodeFrozen,
// CodePendingOrder), More Recent Authorization (CodeMoreRecentAuth), Port
// Out Rejection for PIN (CodePIN, CodePINMissing).
const (
	CodeName             = "name-mismatch"
	CodeBusinessName     = "business-name-mismatch"
	CodeSigner           = "signer-not-authorized"
	CodeAddress          = "address-mismatch"
	CodePOBox            = "address-po-box"
	CodePostalCode       = "postal-code-mismatch"
	CodeAccountNumber    = "account-number-mismatch"
	CodeReseller         = "reseller-mismatch"
	CodeBTN              = "btn-mismatch"
	CodePIN              = "pin-mismatch"
	CodePINMissing       = "pin-missing"
	CodeTNNotOnAccount   = "tn-not-on-account"
	CodeTNNotActive      = "tn-not-active"
	CodeAccountNotActive = "account-not-active"
	CodePartialPort      = "partial-port-remaining-missing"
	CodeHuntGroup        = "hunt-group-members"
	CodePendingOrder     = "pending-order"
	CodeFrozen           = "account-frozen"
	CodeMoreRecentAuth   = "more-recent-authorization"
	CodeApprovalTimeout  = "wireless-approval-timeout"
	CodeApprovalDeclined = "wireless-approval-declined"
	CodeDuplicate        = "duplicate-order"

	// Not permitted: negative balance (seed 002 lines 264-266; Plivo's
	// "Unsatisfactory business relationship", seed 004 line 243), port-out
	// fees, contracts and 30-day notices (seed 002 lines 176-184), and
	// "the customer must call us".
	CodeUnpaidBalance = "unpaid-balance"
	CodePortOutFee    = "port-out-fee"
	CodeContract      = "contract-term"
	CodeNoticePeriod  = "notice-period"
	CodeMustCall      = "customer-must-call"
)

// Codes is the published rejection vocabulary, in the order Validate
// reports codes. Sources: VoIP.ms Port Rejection and Porting FAQ (seed
// 002), Plivo "Why might a porting request be rejected?" (seed 004 lines
// 239-293), and the commercial reject codes in porting-apis.md §4.
var Codes = []RejectCode{
	{CodeAccountNotActive, "Account not active",
		"The account at the losing provider is inactive. Ask the losing provider to set the account back to active, keep it active until the port completes, then resubmit.",
		true, ""},
	{CodeTNNotOnAccount, "Number not on the account",
		"A number in the order is not on this account at the losing provider. Get a CSR from the losing provider, find the account each number is on, and move numbers on other accounts to their own orders.",
		true, "tns"},
	{CodeTNNotActive, "Number disconnected or not in service",
		"Disconnected numbers cannot be ported. Ask the losing provider to reactivate the number, keep it in service until the port completes, then resubmit.",
		true, "tns"},
	{CodeName, "Authorized name mismatch",
		"Give the authorized name exactly as the losing provider's CSR lists it. On a business account this is the person listed as having control of the number, not only the company; ask the losing provider for its CSR.",
		true, "end_user.name"},
	{CodeBusinessName, "Business name mismatch",
		"Give the company name exactly as the losing provider's CSR lists it (not as on the invoice or letterhead); ask the losing provider for its CSR.",
		true, "end_user.business_name"},
	{CodeSigner, "LOA signed by someone not authorized",
		"The letter of authorization must be signed by a person the losing provider lists as authorized on the account. Have that person sign a new LOA, or ask the losing provider to add the signer as authorized, then resubmit.",
		true, "loa.signed_by"},
	{CodePOBox, "Service address is a mailbox",
		"A post office box is not a service address: give the street address where the line is (for VoIP or mobile service, the street address on record), exactly as the losing provider's CSR lists it.",
		true, "service_address"},
	{CodeAddress, "Service address mismatch",
		"Give the service address exactly as the losing provider's CSR lists it; the billing address on the invoice is often different. For US numbers the smallest difference (Street vs St) causes a rejection; for Canadian numbers abbreviations do not matter, the address itself does.",
		true, "service_address"},
	{CodePostalCode, "ZIP or postal code mismatch",
		"Give the ZIP or postal code of the service address as the losing provider's CSR lists it.",
		true, "service_address.postal_code"},
	{CodeAccountNumber, "Account number mismatch or missing",
		"Give the account number the losing carrier has on file. If you buy service from a reseller, ask the reseller for the account number at its upstream carrier; the number on your bill may differ.",
		true, "account.number"},
	{CodeReseller, "Reseller mismatch",
		"The account is managed by a reseller whose name does not match the losing carrier's record. Ask your reseller for the CSR from its upstream carrier and give the reseller name and details as listed there.",
		true, "reseller"},
	{CodeBTN, "Billing telephone number mismatch",
		"Give the billing telephone number (BTN) the losing provider has on file for each number; an account may have several BTNs. Ask the losing provider for its CSR to see which number falls under which BTN.",
		true, "account.btns"},
	{CodePINMissing, "PIN or passcode missing",
		"The account has a port-out PIN or passcode. Ask the losing provider for it and add it to the order.",
		true, "account.pin"},
	{CodePIN, "PIN or passcode mismatch",
		"The PIN or passcode does not match the one on file. Ask the losing provider for the port-out PIN (wireless carriers often issue it on request) and resubmit with it.",
		true, "account.pin"},
	{CodeHuntGroup, "Hunt group members left behind",
		"The number is in a hunt group with other numbers. List every member of the hunt group and say whether each is ported, kept or disconnected, or have the losing provider remove the number from the hunt group first.",
		true, "remaining"},
	{CodePartialPort, "Partial port without the remaining services",
		"Other numbers or services (internet, fax, …) stay on the account. Mark the order partial and list every remaining number and service with whether to keep it active or disconnect it at the time of the port.",
		true, "remaining"},
	{CodePendingOrder, "Pending order on the account",
		"The account has an open order at the losing provider (a feature change or a disconnect). Ask the losing provider to complete or cancel it, note its confirmation number, then resubmit. Do not ask for a disconnect until the port has completed.",
		true, ""},
	{CodeFrozen, "Account frozen",
		"The account has a port freeze (port protection). Ask the losing provider to lift the freeze, then resubmit.",
		true, ""},
	{CodeMoreRecentAuth, "More recent authorization",
		"The losing provider has a more recent authorization: the end user canceled this port with it, or another provider asked for the number since the LOA was signed. Confirm with the end user and the losing provider how to proceed; if the port should go ahead, have the end user sign a new LOA and resubmit.",
		true, "loa"},
	{CodeApprovalTimeout, "Wireless approval not received (SMS not answered)",
		"The losing wireless carrier texts the number being ported and the end user must reply with approval within 90 minutes, even when the message says no reply is needed. Resubmit when the end user can watch the phone (a new SMS is sent) or ask the losing carrier to pre-approve the port.",
		true, "approval"},
	{CodeApprovalDeclined, "Wireless approval declined",
		"The end user answered no to the losing carrier's approval message. Confirm the end user wants the port, then resubmit and reply yes to the new message.",
		true, "approval"},
	{CodeDuplicate, "Number in another open order",
		"The number is already in another open port order. Cancel one of the orders, or wait until the other one completes.",
		true, "tns"},

	{CodeUnpaidBalance, "Negative balance or unpaid bill (not permitted)",
		"Not a valid reason to refuse a port: under FCC and CRTC rules a negative balance can never block a port. The losing provider must release the number; the balance remains owed to it.",
		false, ""},
	{CodePortOutFee, "Port-out fee not paid (not permitted)",
		"Not a valid reason to refuse a port: a port-out fee may be billed but cannot block the port. The losing provider must release the number.",
		false, ""},
	{CodeContract, "Contract term or early termination (not permitted)",
		"Not a valid reason to refuse a port: early termination charges may be billed under the contract, but the number must be released.",
		false, ""},
	{CodeNoticePeriod, "Notice period not given (not permitted)",
		"Not a valid reason to refuse a port: a 30-day notice clause can be billed, not enforced by holding the number.",
		false, ""},
	{CodeMustCall, "Customer must call the losing provider (not permitted)",
		"Not a valid reason to refuse a port: the losing provider may not require the end user to call it. It must validate the LSR against its record and release the number if it matches.",
		false, ""},
}

// Lookup returns the table entry of a code.
func Lookup(code string) (RejectCode, bool) {
	for _, c := range Codes {
		if c.Code == code {
			return c, true
		}
	}
	return RejectCode{}, false
}
