{{/* Chart name, overridable. */}}
{{- define "albatross.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Full name: the release name when it already says albatross (a release named `albatross` gives the names
the CDK app's IAM trust expects: ServiceAccount albatross-system/albatross), else <release>-albatross.
*/}}
{{- define "albatross.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "albatross.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "albatross.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "albatross.selectorLabels" . }}
app.kubernetes.io/part-of: albatross
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "albatross.selectorLabels" -}}
app.kubernetes.io/name: {{ include "albatross.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: webhook
{{- end -}}

{{- define "albatross.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "albatross.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name: expected the name of an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "albatross.webhookName" -}}
{{- printf "%s-webhook" (include "albatross.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "albatross.tlsSecretName" -}}
{{- printf "%s-tls" (include "albatross.webhookName" .) -}}
{{- end -}}

{{/* The Service's DNS names, which the serving certificate must cover. */}}
{{- define "albatross.webhookDnsNames" -}}
{{- $svc := include "albatross.webhookName" . -}}
- {{ printf "%s.%s.svc" $svc .Release.Namespace }}
- {{ printf "%s.%s.svc.cluster.local" $svc .Release.Namespace }}
{{- end -}}

{{/*
Which Ingresses reach the webhooks (CEL, evaluated by the API server, so foreign Ingresses never pay a
round trip and never depend on the webhook being up): the legacy annotation `kubernetes.io/ingress.class`
wins when present and must be 'alb'; otherwise ingressClassName must be unset (the default IngressClass
may be ours: the webhook decides) or one of ours.
*/}}
{{- define "albatross.ingressClassFilter" -}}
{{- $classes := prepend .Values.webhook.extraIngressClassNames .Values.ingressClass.name | uniq -}}
{{- $quoted := list -}}
{{- range $classes }}{{ $quoted = append $quoted (printf "'%s'" .) }}{{ end -}}
(has(object.metadata.annotations) && 'kubernetes.io/ingress.class' in object.metadata.annotations) ? object.metadata.annotations['kubernetes.io/ingress.class'] == 'alb' : (!has(object.spec.ingressClassName) || object.spec.ingressClassName in [{{ join ", " $quoted }}])
{{- end -}}

{{/* Namespaces never sent to the webhooks: the webhook must never block itself or the control plane. */}}
{{- define "albatross.namespaceSelector" -}}
matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values: {{ concat (list "kube-system" .Release.Namespace) .Values.webhook.excludeNamespaces | uniq | toJson }}
{{- end -}}

{{/*
The generated serving certificate (certManager.enabled=false): reused from the existing Secret on
upgrades (lookup), so the caBundle in the webhook configurations stays valid; generated otherwise
(first install, and `helm template`, which cannot look anything up).
*/}}
{{- define "albatross.generatedTls" -}}
{{- $secret := lookup "v1" "Secret" .Release.Namespace (include "albatross.tlsSecretName" .) -}}
{{- if and $secret (index ($secret.data | default dict) "ca.crt") (index ($secret.data | default dict) "tls.crt") (index ($secret.data | default dict) "tls.key") -}}
ca: {{ index $secret.data "ca.crt" }}
cert: {{ index $secret.data "tls.crt" }}
key: {{ index $secret.data "tls.key" }}
{{- else -}}
{{- $ca := genCA (printf "%s-ca" (include "albatross.fullname" .)) 3650 -}}
{{- $svc := include "albatross.webhookName" . -}}
{{- $dns := list (printf "%s.%s.svc" $svc .Release.Namespace) (printf "%s.%s.svc.cluster.local" $svc .Release.Namespace) -}}
{{- $cert := genSignedCert (printf "%s.%s.svc" $svc .Release.Namespace) nil $dns 3650 $ca -}}
ca: {{ $ca.Cert | b64enc }}
cert: {{ $cert.Cert | b64enc }}
key: {{ $cert.Key | b64enc }}
{{- end -}}
{{- end -}}

{{/* What every webhook entry shares; called with (dict "root" $ "path" P "caBundle" B). */}}
{{- define "albatross.webhookCommon" -}}
admissionReviewVersions: [v1]
sideEffects: NoneOnDryRun
timeoutSeconds: {{ .root.Values.webhook.timeoutSeconds }}
matchPolicy: Equivalent
clientConfig:
  service:
    name: {{ include "albatross.webhookName" .root }}
    namespace: {{ .root.Release.Namespace }}
    path: {{ .path }}
    port: 443
  {{- if .caBundle }}
  caBundle: {{ .caBundle }}
  {{- end -}}
{{- end -}}

{{/* An Ingress webhook entry (mutate or validate). */}}
{{- define "albatross.ingressWebhook" -}}
{{ include "albatross.webhookCommon" . }}
failurePolicy: {{ .root.Values.webhook.failurePolicy }}
rules:
  - apiGroups: [networking.k8s.io]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [ingresses]
    scope: Namespaced
namespaceSelector:
  {{- include "albatross.namespaceSelector" .root | nindent 2 }}
matchConditions:
  - name: albatross-ingress-class
    expression: {{ include "albatross.ingressClassFilter" .root | quote }}
{{- end -}}
