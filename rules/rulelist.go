package rules

// All returns the rule catalogue, grouped by category. Add a rule by
// writing it and listing it here; ids are stable forever.
func All() []Rule {
	return []Rule{
		// overbroad
		fullAdmin{},
		serviceWildcard{},
		notActionAllow{},
		broadManaged{},
		passRoleEverywhere{},
		basicRole{},
		adminRole{},
		customRoleEscalation{},
		// escalation
		toAdmin{},
		latentEscalation{},
		canImpersonateAll{},
		// static
		longLivedKey{},
		keyNotRotated{},
		twoActiveKeys{},
		rootAccessKey{},
		userManagedKey{},
		keyNeverExpires{},
		// dormant
		roleUnused{},
		keyUnused{},
		userUnused{},
		inactiveKey{},
		accountUnused{},
		// ownerless
		noOwner{},
		// delegation
		trustAnyone{},
		crossAccountNoExternalID{},
		oidcSubject{},
		longSession{},
		humanUse{},
		chainDelegation{},
		projectImpersonation{},
		publicBinding{},
		wifWildcard{},
		staleBinding{},
	}
}

// ByID finds a rule of the catalogue.
func ByID(catalogue []Rule, id string) (Rule, bool) {
	for _, r := range catalogue {
		if r.Meta().ID == id {
			return r, true
		}
	}
	return nil, false
}
