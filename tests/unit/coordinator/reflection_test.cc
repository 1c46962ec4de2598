// Tests that a client without lrsweep's .proto files can use the coordinator
// as grpc_cli and grpcurl do. The client lists the services through server
// reflection and builds the lrsweep descriptors from the reflected files in
// a pool of its own. Then it calls GetLeaderboard with a generic stub and
// dynamic messages. The standard health service is checked too.
//
// The reflection protocol's own messages come from the generated pool that
// libgrpc++_reflection registers; the lrsweep messages are never taken from
// the generated pool.
#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/descriptor_database.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "lrsweep/v1/sweep.pb.h"
#include "unit/coordinator/server_test_util.h"

namespace lrsweep::coordinator {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::DynamicMessageFactory;
using google::protobuf::FileDescriptorProto;
using google::protobuf::Message;
using testing::kCallDeadline;
using testing::kSmallSweep;
using testing::ServedCoordinator;
using testing::SetDeadline;

constexpr char kReflectionMethod[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

// The grpc.health.v1 messages, written from the published health checking
// protocol (grpc/health/v1/health.proto), because Debian ships no generated
// code for them.
constexpr char kHealthProto[] = R"pb(
  name: "grpc/health/v1/health.proto"
  package: "grpc.health.v1"
  syntax: "proto3"
  message_type {
    name: "HealthCheckRequest"
    field { name: "service" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
  }
  message_type {
    name: "HealthCheckResponse"
    field {
      name: "status"
      number: 1
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".grpc.health.v1.HealthCheckResponse.ServingStatus"
    }
    enum_type {
      name: "ServingStatus"
      value { name: "UNKNOWN" number: 0 }
      value { name: "SERVING" number: 1 }
      value { name: "NOT_SERVING" number: 2 }
      value { name: "SERVICE_UNKNOWN" number: 3 }
    }
  }
)pb";

std::string ToBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

grpc::ByteBuffer FromBytes(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// Waits for the event of `tag` on `queue`; false when it failed or the
// deadline passed.
bool Await(grpc::CompletionQueue* queue, void* tag) {
  void* event = nullptr;
  bool ok = false;
  const auto deadline = std::chrono::system_clock::now() + kCallDeadline;
  const grpc::CompletionQueue::NextStatus status = queue->AsyncNext(&event, &ok, deadline);
  return status == grpc::CompletionQueue::GOT_EVENT && event == tag && ok;
}

// Calls `method` through a GenericStub the way grpc_cli does: sends each of
// `requests` as serialized bytes, half-closes, and reads every response
// until the server ends the call. Works for unary and streaming methods.
grpc::Status CallGeneric(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& method, const std::vector<std::string>& requests,
                         std::vector<std::string>* responses) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  SetDeadline(&context);
  auto call = stub.PrepareCall(&context, method, &queue);
  int start_tag = 0, write_tag = 0, done_tag = 0, read_tag = 0, finish_tag = 0;

  call->StartCall(&start_tag);
  bool ok = Await(&queue, &start_tag);
  for (size_t i = 0; ok && i < requests.size(); ++i) {
    call->Write(FromBytes(requests[i]), &write_tag);
    ok = Await(&queue, &write_tag);
  }
  if (ok) {
    call->WritesDone(&done_tag);
    ok = Await(&queue, &done_tag);
  }
  while (ok) {
    grpc::ByteBuffer response;
    call->Read(&response, &read_tag);
    if (!Await(&queue, &read_tag)) break;
    responses->push_back(ToBytes(response));
  }

  grpc::Status status;
  call->Finish(&status, &finish_tag);
  if (!Await(&queue, &finish_tag)) {
    status = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "no status from " + method);
  }
  queue.Shutdown();
  void* event = nullptr;
  bool event_ok = false;
  while (queue.Next(&event, &event_ok)) {
  }
  return status;
}

// A client of the reflection service that uses only the reflection
// protocol's own messages.
class ReflectionClient {
 public:
  explicit ReflectionClient(std::shared_ptr<grpc::Channel> channel)
      : channel_(std::move(channel)),
        request_type_(DescriptorPool::generated_pool()->FindMessageTypeByName(
            "grpc.reflection.v1alpha.ServerReflectionRequest")),
        response_type_(DescriptorPool::generated_pool()->FindMessageTypeByName(
            "grpc.reflection.v1alpha.ServerReflectionResponse")) {}

  bool ready() const { return request_type_ != nullptr && response_type_ != nullptr; }

  // Sends one request given in JSON and returns the response in `response`.
  grpc::Status Ask(const std::string& request_json, std::unique_ptr<Message>* response) {
    std::unique_ptr<Message> request(factory_.GetPrototype(request_type_)->New());
    auto parsed = google::protobuf::util::JsonStringToMessage(request_json, request.get());
    if (!parsed.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, parsed.ToString());

    std::vector<std::string> replies;
    grpc::Status status =
        CallGeneric(channel_, kReflectionMethod, {request->SerializeAsString()}, &replies);
    if (!status.ok()) return status;
    if (replies.size() != 1) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          absl::StrCat("expected 1 reflection reply, got ", replies.size()));
    }
    response->reset(factory_.GetPrototype(response_type_)->New());
    (*response)->ParseFromString(replies[0]);
    return grpc::Status::OK;
  }

  // Returns the response as proto3 JSON, for matching in tests.
  static std::string ToJson(const Message& message) {
    std::string json;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json).ok());
    return json;
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  const Descriptor* request_type_;
  const Descriptor* response_type_;
  DynamicMessageFactory factory_;
};

// Returns the repeated bytes field file_descriptor_response.file_descriptor_proto
// of a reflection response, read through reflection.
std::vector<std::string> FileDescriptorBytes(const Message& response) {
  const google::protobuf::Reflection* reflection = response.GetReflection();
  const google::protobuf::FieldDescriptor* files_field =
      response.GetDescriptor()->FindFieldByName("file_descriptor_response");
  std::vector<std::string> files;
  if (files_field == nullptr || !reflection->HasField(response, files_field)) return files;
  const Message& files_message = reflection->GetMessage(response, files_field);
  const google::protobuf::FieldDescriptor* bytes_field =
      files_message.GetDescriptor()->FindFieldByName("file_descriptor_proto");
  const int count = files_message.GetReflection()->FieldSize(files_message, bytes_field);
  for (int i = 0; i < count; ++i) {
    files.push_back(
        files_message.GetReflection()->GetRepeatedString(files_message, bytes_field, i));
  }
  return files;
}

class ReflectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    served_ = ServedCoordinator::Start();
    ASSERT_NE(served_, nullptr);
    v1::CreateSweepRequest request;
    request.set_spec_text(kSmallSweep);
    auto sweep = served_->coordinator()->CreateSweep(request);
    ASSERT_TRUE(sweep.ok()) << sweep.status();
    sweep_id_ = sweep->sweep_id();
  }

  std::unique_ptr<ServedCoordinator> served_;
  std::string sweep_id_;
};

TEST_F(ReflectionTest, ListsServices) {
  ReflectionClient client(served_->channel());
  ASSERT_TRUE(client.ready()) << "the reflection messages are not in the generated pool";

  std::unique_ptr<Message> response;
  grpc::Status status = client.Ask(R"({"listServices": ""})", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  const std::string json = ReflectionClient::ToJson(*response);
  EXPECT_THAT(json, ::testing::HasSubstr("\"lrsweep.v1.SweepService\""));
  EXPECT_THAT(json, ::testing::HasSubstr("\"lrsweep.v1.WorkerService\""));
  EXPECT_THAT(json, ::testing::HasSubstr("\"grpc.health.v1.Health\""));
}

TEST_F(ReflectionTest, CallsLeaderboardWithDynamicMessages) {
  ReflectionClient client(served_->channel());
  ASSERT_TRUE(client.ready());

  // The reply contains the file that defines the service and every file it
  // imports, so the pool below resolves all of them.
  std::unique_ptr<Message> response;
  grpc::Status status =
      client.Ask(R"({"fileContainingSymbol": "lrsweep.v1.SweepService"})", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  google::protobuf::SimpleDescriptorDatabase database;
  std::set<std::string> file_names;
  for (const std::string& bytes : FileDescriptorBytes(*response)) {
    FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(bytes));
    file_names.insert(file.name());
    ASSERT_TRUE(database.Add(file));
  }
  EXPECT_EQ(file_names.count("lrsweep/v1/sweep.proto"), 1u);
  EXPECT_EQ(file_names.count("lrsweep/v1/spec.proto"), 1u);

  DescriptorPool pool(&database);
  const google::protobuf::ServiceDescriptor* service =
      pool.FindServiceByName("lrsweep.v1.SweepService");
  ASSERT_NE(service, nullptr);
  const google::protobuf::MethodDescriptor* method = service->FindMethodByName("GetLeaderboard");
  ASSERT_NE(method, nullptr);
  // The request type is built from the reflected files, not taken from the
  // generated code that this test binary also links for the server.
  ASSERT_NE(method->input_type(), DescriptorPool::generated_pool()->FindMessageTypeByName(
                                      "lrsweep.v1.GetLeaderboardRequest"));

  DynamicMessageFactory factory(&pool);
  std::unique_ptr<Message> request(factory.GetPrototype(method->input_type())->New());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  absl::StrCat(R"({"sweepId": ")", sweep_id_, R"(", "topK": 3})"), request.get())
                  .ok());
  std::vector<std::string> replies;
  status = CallGeneric(served_->channel(), "/lrsweep.v1.SweepService/GetLeaderboard",
                       {request->SerializeAsString()}, &replies);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(replies.size(), 1u);
  std::unique_ptr<Message> reply(factory.GetPrototype(method->output_type())->New());
  ASSERT_TRUE(reply->ParseFromString(replies[0]));

  // The dynamic reply prints as the same JSON as the typed one.
  v1::GetLeaderboardRequest typed_request;
  typed_request.set_sweep_id(sweep_id_);
  typed_request.set_top_k(3);
  auto typed = served_->coordinator()->GetLeaderboard(typed_request);
  ASSERT_TRUE(typed.ok()) << typed.status();
  EXPECT_EQ(ReflectionClient::ToJson(*reply), ReflectionClient::ToJson(*typed));
  EXPECT_THAT(ReflectionClient::ToJson(*reply), ::testing::HasSubstr("\"configCount\":\"6\""));
}

TEST_F(ReflectionTest, HealthCheckReportsServing) {
  FileDescriptorProto file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kHealthProto, &file));
  DescriptorPool pool;
  ASSERT_NE(pool.BuildFile(file), nullptr);
  DynamicMessageFactory factory(&pool);
  const Descriptor* request_type = pool.FindMessageTypeByName("grpc.health.v1.HealthCheckRequest");
  const Descriptor* response_type =
      pool.FindMessageTypeByName("grpc.health.v1.HealthCheckResponse");

  for (const std::string service : {"", "lrsweep.v1.SweepService", "lrsweep.v1.WorkerService"}) {
    SCOPED_TRACE(absl::StrCat("service '", service, "'"));
    std::unique_ptr<Message> request(factory.GetPrototype(request_type)->New());
    request->GetReflection()->SetString(request.get(), request_type->FindFieldByName("service"),
                                        service);
    std::vector<std::string> replies;
    grpc::Status status = CallGeneric(served_->channel(), "/grpc.health.v1.Health/Check",
                                      {request->SerializeAsString()}, &replies);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(replies.size(), 1u);
    std::unique_ptr<Message> reply(factory.GetPrototype(response_type)->New());
    ASSERT_TRUE(reply->ParseFromString(replies[0]));
    EXPECT_EQ(ReflectionClient::ToJson(*reply), R"({"status":"SERVING"})");
  }
}

}  // namespace
}  // namespace lrsweep::coordinator
