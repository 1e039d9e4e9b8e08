package npac

// Route is what a number portability dip answers for a TN: whether it is
// ported and, if so, where calls to it go.
type Route struct {
	// Ported says a subscription version routes the TN. When false the
	// TN follows its code holder's default routing and only SPID is set.
	Ported bool `json:"ported"`
	// SPID is the provider serving the TN: the SV's new SP, or the code
	// holder when the TN is not ported.
	SPID   SPID            `json:"spid,omitempty"`
	LRN    LRN             `json:"lrn,omitempty"`
	SVType SVType          `json:"sv_type,omitempty"`
	CLASS  *SignalingPoint `json:"class,omitempty"`
	LIDB   *SignalingPoint `json:"lidb,omitempty"`
	CNAM   *SignalingPoint `json:"cnam,omitempty"`
	ISVM   *SignalingPoint `json:"isvm,omitempty"`
	WSMSC  *SignalingPoint `json:"wsmsc,omitempty"`
}

// Resolver answers dips. Implementations never block on updates.
type Resolver interface {
	// Resolve returns the route of tn. ok is false when the TN's NPA-NXX
	// is unknown to the resolver.
	Resolve(tn TN) (r *Route, ok bool)
}
