terraform {
  # Plain data: no provider, so the documents render (and are tested) offline.
  required_version = ">= 1.11"
}
