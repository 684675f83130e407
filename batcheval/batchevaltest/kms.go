package batchevaltest

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/emu"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// keyAPI is the part of the KMS API the emulated service calls.
type keyAPI interface {
	DescribeKey(ctx context.Context, params *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	GenerateDataKey(ctx context.Context, params *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, params *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// encryptionContext is the documented context of every KMS call for ev.
func encryptionContext(ev *evaluation) map[string]string {
	return map[string]string{agentcore.BatchEvaluationContextKey: ev.arn}
}

// serviceCaller is the AgentCore service principal calling with its own
// credentials for ev, with the confused-deputy context keys set.
func serviceCaller(ev *evaluation) caller {
	return caller{
		service: agentcore.ServicePrincipal,
		context: map[string][]string{
			"aws:SourceAccount": {ev.account},
			"aws:SourceArn":     {ev.arn},
		},
	}
}

// record appends one KMS call to the log.
func (e *Emulator) record(op string, c caller, keyID string, ec map[string]string, dryRun bool, err error) {
	call := KMSCall{
		Operation: op, Principal: c.principal, ViaService: c.viaService, Service: c.service,
		KeyID: keyID, EncryptionContext: ec, DryRun: dryRun, ErrorCode: agentcore.ErrorCode(err),
	}
	if v := c.context["aws:SourceAccount"]; len(v) > 0 {
		call.SourceAccount = v[0]
	}
	if v := c.context["aws:SourceArn"]; len(v) > 0 {
		call.SourceArn = v[0]
	}
	if err != nil && call.ErrorCode == "" {
		call.ErrorCode = "InternalError"
	}
	e.calls.Record(call)
}

// validateKey runs the documented API-time checks of a key: its Region,
// then the caller's permissions through a forward access session.
func (e *Emulator) validateKey(ctx context.Context, principal string, ev *evaluation) *apiError {
	ref, err := agentcore.ParseKeyRef(ev.keyARN, agentcore.KeyRefRules{Field: "kmsKeyArn", KeyARNOnly: true})
	if err != nil {
		return validation(MessageNotAKeyARN) // validateStart has refused it already
	}
	if ref.Region != e.opts.Region || ref.Partition != e.partition.ID {
		return validation(MessageWrongRegion)
	}
	fas := caller{principal: principal, viaService: e.partition.ServiceHost(keypolicy.ServiceName, e.opts.Region)}
	k := e.as(fas)

	out, err := k.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ev.keyARN)})
	e.record("DescribeKey", fas, ev.keyARN, nil, false, err)
	if err != nil {
		return kmsError(err)
	}
	md := out.KeyMetadata
	if md == nil || md.KeyState != kmstypes.KeyStateEnabled ||
		md.KeySpec != kmstypes.KeySpecSymmetricDefault || md.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt {
		return validation(MessageKeyNotUsable)
	}

	ec := encryptionContext(ev)
	_, err = k.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(ev.keyARN), KeySpec: kmstypes.DataKeySpecAes256,
		EncryptionContext: ec, DryRun: aws.Bool(true),
	})
	e.record("GenerateDataKey", fas, ev.keyARN, ec, true, err)
	var dry *kmstypes.DryRunOperationException
	if err != nil && !errors.As(err, &dry) {
		return kmsError(err)
	}
	return nil
}

// kmsError maps a KMS error to the error StartBatchEvaluation returns, with
// the one classification of internal/agentcore: an unusable key is
// ValidationException with the documented message; a denial, a missing key
// ("the key being referenced does not exist or no longer exists") or a key
// ARN KMS refuses is AccessDeniedException with the documented message; a
// throttled KMS is ThrottlingException; anything else is an internal error.
func kmsError(err error) *apiError {
	switch agentcore.KindOf(err) {
	case agentcore.KindKeyNotUsable:
		return validation(agentcore.MessageKeyNotUsable)
	case agentcore.KindAccessDenied, agentcore.KindKeyNotFound, agentcore.KindInvalidRequest:
		return accessDenied(agentcore.MessageAccessDenied)
	case agentcore.KindThrottled:
		return &apiError{status: http.StatusTooManyRequests, Code: agentcore.CodeThrottling, Message: "Rate exceeded"}
	}
	return internal(fmt.Sprintf("calling AWS KMS: %v", err))
}

// kmsReason says in a few words why a KMS call failed.
func kmsReason(err error) string {
	switch code := agentcore.ErrorCode(err); code {
	case (&kmstypes.DisabledException{}).ErrorCode():
		return "the key is disabled (KMS DisabledException)"
	case (&kmstypes.KMSInvalidStateException{}).ErrorCode():
		return "the key is not in a usable state, such as pending deletion (KMS KMSInvalidStateException)"
	case agentcore.CodeAccessDenied:
		return "the key policy does not allow the AgentCore service principal (KMS AccessDeniedException)"
	case "":
		return err.Error()
	default:
		return "KMS " + code
	}
}

// write stores an artifact of ev, encrypted under a fresh data key when ev
// has a KMS key. The caller may hold e.mu; the KMS calls are made under it,
// which is safe because KMS never calls back.
func (e *Emulator) write(ctx context.Context, ev *evaluation, name string, data []byte) error {
	if ev.keyARN == "" {
		ev.plain[name] = append([]byte(nil), data...)
		return nil
	}
	svc := serviceCaller(ev)
	ec := encryptionContext(ev)
	dk, err := e.as(svc).GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(ev.keyARN), KeySpec: kmstypes.DataKeySpecAes256, EncryptionContext: ec,
	})
	e.record("GenerateDataKey", svc, ev.keyARN, ec, false, err)
	if err != nil {
		return err
	}
	data, err = emu.Seal(dk.Plaintext, data)
	if err != nil {
		return err
	}
	ev.objects[name] = sealed{blob: dk.CiphertextBlob, data: data}
	return nil
}

// readLocked decrypts an artifact of ev as the service principal. The caller
// holds e.mu.
func (e *Emulator) readLocked(ctx context.Context, ev *evaluation, name string) ([]byte, error) {
	if ev.keyARN == "" {
		return ev.plain[name], nil
	}
	s, ok := ev.objects[name]
	if !ok {
		return nil, fmt.Errorf("artifact %s of %s was never written", name, ev.id)
	}
	svc := serviceCaller(ev)
	ec := encryptionContext(ev)
	out, err := e.as(svc).Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob: s.blob, KeyId: aws.String(ev.keyARN), EncryptionContext: ec,
	})
	e.record("Decrypt", svc, ev.keyARN, ec, false, err)
	if err != nil {
		return nil, err
	}
	return emu.Open(out.Plaintext, s.data)
}
