variable "name" {
  description = "Name of the release state machine (1-50 letters, digits, '-' or '_'); its role is NAME-sfn."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,50}$", var.name))
    error_message = "name must be 1-50 letters, digits, '-' or '_'."
  }
}

variable "functions" {
  description = "The functions of the release in this region (a state machine changes aliases in its own region only): name and weighted alias of each."
  type = list(object({
    function_name = string
    alias_name    = optional(string, "live")
  }))

  validation {
    condition     = length(var.functions) > 0
    error_message = "functions must name at least one function."
  }
}

variable "alarm_names" {
  description = "Every CloudWatch alarm the release's functions gate on (the union of their alarms:)."
  type        = list(string)
  default     = []
}

variable "iam_path" {
  description = "Path of the state machine's IAM role."
  type        = string
  default     = "/"
}

variable "tags" {
  description = "Tags for the state machine and its role."
  type        = map(string)
  default     = {}
}
