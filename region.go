package npac

import "strings"

// Region is an NPAC region: one of the seven US regional databases or
// Canada. Its code is the one LSMSs use (MA, MW, NE, SE, SW, WE, WC, CA).
type Region string

// The NPAC regions.
const (
	MidAtlantic Region = "MA"
	Midwest     Region = "MW"
	Northeast   Region = "NE"
	Southeast   Region = "SE"
	Southwest   Region = "SW"
	Western     Region = "WE"
	WestCoast   Region = "WC"
	Canada      Region = "CA"
)

// RegionInfo describes a region: its name, the time zone its business hours
// are counted in (the predominant zone of the region) and the states,
// provinces and territories it covers.
type RegionInfo struct {
	Code     Region   `json:"code"`
	Name     string   `json:"name"`
	TimeZone string   `json:"time_zone"`
	Areas    []string `json:"areas"`
}

// Regions lists every region. State lists for Mid-Atlantic, Northeast,
// Southeast and Southwest are confirmed in public sources; Midwest, Western
// and West Coast follow the original regional LLC territories (see
// docs/domain.md).
var Regions = []RegionInfo{
	{MidAtlantic, "Mid-Atlantic", "America/New_York", []string{"DC", "DE", "MD", "NJ", "PA", "VA", "WV"}},
	{Midwest, "Midwest", "America/Chicago", []string{"IL", "IN", "MI", "OH", "WI"}},
	{Northeast, "Northeast", "America/New_York", []string{"CT", "MA", "ME", "NH", "NY", "RI", "VT"}},
	{Southeast, "Southeast", "America/New_York", []string{"AL", "FL", "GA", "KY", "LA", "MS", "NC", "PR", "SC", "TN", "VI"}},
	{Southwest, "Southwest", "America/Chicago", []string{"AR", "KS", "MO", "OK", "TX"}},
	{Western, "Western", "America/Denver", []string{"AZ", "CO", "IA", "ID", "MN", "MT", "ND", "NE", "NM", "OR", "SD", "UT", "WA", "WY"}},
	{WestCoast, "West Coast", "America/Los_Angeles", []string{"AK", "CA", "GU", "HI", "MP", "NV"}},
	{Canada, "Canada", "America/Toronto", []string{"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}},
}

// ParseRegion validates a region code, case-insensitively.
func ParseRegion(s string) (Region, error) {
	r := Region(strings.ToUpper(strings.TrimSpace(s)))
	if _, ok := r.Info(); !ok {
		return "", Errorf(EINVALID, "%q is not an NPAC region: use one of MA, MW, NE, SE, SW, WE, WC or CA.", s)
	}
	return r, nil
}

// Info returns the region's description.
func (r Region) Info() (RegionInfo, bool) {
	for _, ri := range Regions {
		if ri.Code == r {
			return ri, true
		}
	}
	return RegionInfo{}, false
}

// RegionOfArea returns the region covering a state, province or territory
// given by its two-letter postal code.
func RegionOfArea(area string) (Region, bool) {
	area = strings.ToUpper(area)
	for _, ri := range Regions {
		for _, a := range ri.Areas {
			if a == area {
				return ri.Code, true
			}
		}
	}
	return "", false
}
