variable "endpoint" {
  description = "URL of the local AWS emulator (moto), e.g. http://127.0.0.1:5000."
  type        = string
}

variable "region" {
  description = "Region the emulator pretends to be."
  type        = string
  default     = "us-east-1"
}

variable "artifact_bucket_name" {
  description = "Name of the artifact bucket in the emulator."
  type        = string
  default     = "name-searcher-artifacts-local"
}
