package system

import "testing"

func TestDeb822SlugAndFieldNames(t *testing.T) {
	for in, want := range map[string]string{"HPT Local_repo": "hpt-local-repo", "Docker CE (stable)": "docker-ce-stable", "a__b  c": "a-b-c"} {
		if got := deb822Slug(in); got != want {
			t.Errorf("deb822Slug(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"name": "X-Repolib-Name", "uris": "URIs", "allow_downgrade_to_insecure": "Allow-Downgrade-To-Insecure", "pdiffs": "Pdiffs", "signed_by": "Signed-By"} {
		if got := deb822FieldName(in); got != want {
			t.Errorf("deb822FieldName(%q) = %q, want %q", in, got, want)
		}
	}
}
